'use client';
/**
 * Deploy history: every version (who, when, comment, delivery, error policy, when it was deployed) and every
 * deployment (action, version, start position, applied by the host or not). Tenant admins roll back to a version
 * (from the committed offsets) or redeploy one from a chosen position, which replays history through it.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Button } from '../../../components/ui/button.tsx';
import { Dialog } from '../../../components/ui/dialog.tsx';
import { Field, Select } from '../../../components/ui/input.tsx';
import { Empty, ErrorState, Loading } from '../../../components/ui/states.tsx';
import { Table, Td, Th, Tr } from '../../../components/ui/table.tsx';
import { api, fieldErrors } from '../../../lib/api-client.ts';
import { dateText, enumText, positionText } from './format.ts';
import { type StartPositionDraft, StartPositionFields, startDraft, startPositionOf } from './start-position-fields.tsx';
import type { VersionsView } from './view-types.ts';

export function DeployHistory(props: { tenant: string; base: string; current: number | null; canManage: boolean }) {
  const qc = useQueryClient();
  const [redeploying, setRedeploying] = useState<number | null>(null);
  const history = useQuery({
    // Keyed by the active version too: a deploy seen on the page's own poll shows here at once.
    queryKey: ['processor-versions', props.base, props.current],
    queryFn: () => api<VersionsView>(`${props.base}/versions`),
    refetchInterval: 5_000,
  });
  const refresh = () => {
    qc.invalidateQueries({ queryKey: ['processor-versions', props.base] });
    qc.invalidateQueries({ queryKey: ['processor', props.tenant] });
  };
  const rollback = useMutation({
    mutationFn: (version: number) => api(`${props.base}/rollback`, { method: 'POST', body: { version } }),
    onSuccess: refresh,
  });
  if (history.isPending) return <Loading what="deploy history" />;
  if (history.error) return <ErrorState error={history.error} />;
  const h = history.data;
  const versions = [...h.versions].sort((a, b) => b.version - a.version);
  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-center gap-2">
        <h2 className="mr-auto text-lg font-semibold">Deploy history</h2>
        {props.canManage ? (
          <Button variant="secondary" onClick={() => setRedeploying(props.current ?? versions[0]?.version ?? 1)}>
            Redeploy from…
          </Button>
        ) : null}
      </div>
      {rollback.error ? <ErrorState error={rollback.error} /> : null}
      <Table aria-label="Versions">
        <thead>
          <tr>
            <Th>Version</Th>
            <Th>Created</Th>
            <Th>By</Th>
            <Th>Comment</Th>
            <Th>Delivery / on error</Th>
            <Th>Deployed</Th>
            {props.canManage ? (
              <Th>
                <span className="sr-only">Actions</span>
              </Th>
            ) : null}
          </tr>
        </thead>
        <tbody>
          {versions.map((v) => (
            <Tr key={v.version} data-testid={`version-${v.version}`}>
              <Td>
                v{v.version}
                {v.version === props.current ? (
                  <span className="ml-1 text-xs font-medium text-emerald-700">active</span>
                ) : null}
              </Td>
              <Td className="whitespace-nowrap">{dateText(v.createdAt)}</Td>
              <Td>{v.createdByEmail}</Td>
              <Td className="text-xs">{v.comment || '—'}</Td>
              <Td className="text-xs">
                {enumText(v.delivery)} / {enumText(v.errorPolicy)}
              </Td>
              <Td className="text-xs">{v.deployedAt.length ? v.deployedAt.map(dateText).join(', ') : 'never'}</Td>
              {props.canManage ? (
                <Td className="whitespace-nowrap">
                  {v.version !== props.current ? (
                    <Button
                      variant="secondary"
                      size="sm"
                      disabled={rollback.isPending}
                      onClick={() => rollback.mutate(v.version)}
                      aria-label={`Roll back to v${v.version}`}
                    >
                      Roll back
                    </Button>
                  ) : null}{' '}
                  <Button
                    variant="ghost"
                    size="sm"
                    onClick={() => setRedeploying(v.version)}
                    aria-label={`Redeploy v${v.version} from…`}
                  >
                    Redeploy…
                  </Button>
                </Td>
              ) : null}
            </Tr>
          ))}
        </tbody>
      </Table>
      <h3 className="font-semibold">Deployments</h3>
      {h.deployments.length === 0 ? (
        <Empty>No deployments.</Empty>
      ) : (
        <Table aria-label="Deployments">
          <thead>
            <tr>
              <Th>When</Th>
              <Th>Action</Th>
              <Th>Version</Th>
              <Th>Start position</Th>
              <Th>By</Th>
              <Th>Applied by the host</Th>
            </tr>
          </thead>
          <tbody>
            {[...h.deployments]
              .sort((a, b) => new Date(b.at).getTime() - new Date(a.at).getTime())
              .map((dep) => (
                <Tr key={`${dep.at}-${dep.version}-${dep.action}`}>
                  <Td className="whitespace-nowrap">{dateText(dep.at)}</Td>
                  <Td>{enumText(dep.action)}</Td>
                  <Td>v{dep.version}</Td>
                  <Td>{positionText(dep.startFrom)}</Td>
                  <Td>{dep.byEmail}</Td>
                  <Td>{dep.appliedAt ? dateText(dep.appliedAt) : <span className="text-amber-700">pending</span>}</Td>
                </Tr>
              ))}
          </tbody>
        </Table>
      )}
      {props.canManage && redeploying !== null ? (
        <RedeployDialog
          base={props.base}
          versions={versions.map((v) => v.version)}
          initialVersion={redeploying}
          onClose={() => setRedeploying(null)}
          onDone={refresh}
        />
      ) : null}
    </div>
  );
}

function RedeployDialog(props: {
  base: string;
  versions: number[];
  initialVersion: number;
  onClose: () => void;
  onDone: () => void;
}) {
  const [version, setVersion] = useState(props.initialVersion);
  const [start, setStart] = useState<StartPositionDraft>(startDraft('earliest'));
  const [localError, setLocalError] = useState<string | null>(null);
  const deploy = useMutation({
    mutationFn: (from: unknown) => api(`${props.base}/deploy`, { method: 'POST', body: { version, from } }),
    onSuccess: () => {
      props.onDone();
      props.onClose();
    },
  });
  const fe = fieldErrors(deploy.error);
  return (
    <Dialog open onClose={props.onClose} title="Redeploy a version from a position">
      <form
        className="space-y-3"
        onSubmit={(e) => {
          e.preventDefault();
          const from = startPositionOf(start);
          if (!from.ok) return setLocalError(from.message);
          setLocalError(null);
          deploy.mutate(from.value);
        }}
      >
        <p className="text-sm text-slate-600">
          The processor restarts with this version and reads its input again from the chosen position: records after it
          are processed again (history replays through the version).
        </p>
        <Field label="Version" error={fe.version}>
          {(p) => (
            <Select {...p} name="version" value={version} onChange={(e) => setVersion(Number(e.target.value))}>
              {props.versions.map((v) => (
                <option key={v} value={v}>
                  v{v}
                </option>
              ))}
            </Select>
          )}
        </Field>
        <StartPositionFields
          value={start}
          onChange={setStart}
          allowCommitted
          error={localError ? [localError] : fe.from}
        />
        {deploy.error && !Object.keys(fe).length ? <ErrorState error={deploy.error} /> : null}
        <div className="flex justify-end gap-2">
          <Button variant="secondary" onClick={props.onClose}>
            Cancel
          </Button>
          <Button type="submit" disabled={deploy.isPending}>
            Redeploy
          </Button>
        </div>
      </form>
    </Dialog>
  );
}
