/**
 * Child process for the kill -9 test of groups.log: appends offset records to the store in <dir> without pause and
 * prints "acked N" on stdout once record N is durable, until it is killed.
 */
import { GroupStore } from '../../src/groups/group-store.ts';

const dir = process.argv[2]!;
const { store } = await GroupStore.open(dir);
for (let n = 0; ; n++) {
  // Several appends in flight at once, as concurrent OffsetCommits are.
  await Promise.all(
    [0, 1, 2].map((p) =>
      store.append([
        {
          type: 'offset',
          group: 'g',
          topic: 't',
          partition: p,
          offset: String(n),
          leaderEpoch: 0,
          metadata: 'x'.repeat(200),
          commitTimestampMs: n,
        },
      ]),
    ),
  );
  process.stdout.write(`acked ${n}\n`);
}
