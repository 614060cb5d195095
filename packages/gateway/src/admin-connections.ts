/**
 * AdminConnections: the gateway's own connections to the Kafka nodes as its admin principal (`cluster.sasl`), for
 * what it asks the cluster on its own behalf rather than a client's (a tenant's usage: Metadata, and DescribeLogDirs
 * on every node, since each node describes only its own disks). One connection per node, opened on first use and
 * again after it closes; as many as the cluster has nodes.
 */
import type { UpstreamCredential } from './scram-client.ts';
import { type UpstreamAddress, UpstreamConnection, type UpstreamOptions } from './upstream.ts';

export class AdminConnections {
  private readonly credential: UpstreamCredential;
  private readonly options: UpstreamOptions;
  /** Kafka nodes to try, in order, when no node is named (the gateway's known nodes). */
  private readonly knownNodes: () => Promise<{ nodeId: number; address: UpstreamAddress }[]>;
  private readonly byNode = new Map<number, { address: UpstreamAddress; connection: Promise<UpstreamConnection> }>();
  private closed = false;

  constructor(deps: {
    credential: UpstreamCredential;
    options: UpstreamOptions;
    knownNodes: () => Promise<{ nodeId: number; address: UpstreamAddress }[]>;
  }) {
    this.credential = deps.credential;
    this.options = deps.options;
    this.knownNodes = deps.knownNodes;
  }

  /** The admin connection to node `nodeId` at `address` (a node that moved is reached at its new address). */
  async at(nodeId: number, address: UpstreamAddress): Promise<UpstreamConnection> {
    if (this.closed) throw new Error('the gateway is closing');
    const held = this.byNode.get(nodeId);
    if (held && held.address.host === address.host && held.address.port === address.port) {
      const connection = await held.connection.catch(() => null);
      if (connection && !connection.closed) return connection;
    }
    held?.connection.then((c) => c.close()).catch(() => {});
    const connection = UpstreamConnection.open(address, this.credential, this.options);
    this.byNode.set(nodeId, { address, connection });
    connection.catch(() => {
      if (this.byNode.get(nodeId)?.connection === connection) this.byNode.delete(nodeId);
    });
    return connection;
  }

  /** An admin connection to any node that answers, trying the known nodes in turn. */
  async any(): Promise<UpstreamConnection> {
    let last: Error = new Error('no Kafka node known');
    for (const { nodeId, address } of await this.knownNodes()) {
      try {
        return await this.at(nodeId, address);
      } catch (err) {
        last = err as Error;
      }
    }
    throw last;
  }

  close(): void {
    this.closed = true;
    for (const { connection } of this.byNode.values()) connection.then((c) => c.close()).catch(() => {});
    this.byNode.clear();
  }
}
