'use client';
/** The Clusters page (platform admins): managed Apache Kafka clusters, their last reconcile, and the register form. */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import Link from 'next/link';
import { useState } from 'react';
import { Button } from '../../../components/ui/button.tsx';
import { Dialog } from '../../../components/ui/dialog.tsx';
import { Field, Select, TextField } from '../../../components/ui/input.tsx';
import { Empty, ErrorState, Loading, PageHeader } from '../../../components/ui/states.tsx';
import { Table, TableHead, Td, Tr } from '../../../components/ui/table.tsx';
import { api, fieldErrors } from '../../../lib/api-client.ts';
import type { ClusterStatus } from '../schemas.ts';
import { ClusterStatusBadge } from './status-badge.tsx';

export interface ClusterRow {
  name: string;
  bootstrap: string[];
  saslMechanism: string;
  saslUsername: string;
  paused: boolean;
  reconcileIntervalMs: number;
  lastReconcileAt: string | null;
  status: ClusterStatus | null;
  lastError: string | null;
}

export function ClustersAdmin() {
  const clusters = useQuery({
    queryKey: ['clusters'],
    queryFn: () => api<ClusterRow[]>('/clusters'),
    refetchInterval: 5_000,
  });
  const [registering, setRegistering] = useState(false);
  return (
    <section>
      <PageHeader title="Clusters">
        <Button onClick={() => setRegistering(true)}>Register cluster</Button>
      </PageHeader>
      <p className="mb-4 max-w-3xl text-sm text-slate-600">
        Apache Kafka clusters Samsa manages: every tenant's API keys, ACLs and quotas are reconciled onto them through
        the Admin API, on each cluster's interval and soon after a change. Drift (objects deleted or changed behind
        Samsa's back) is repaired and listed on the cluster's page.
      </p>
      {clusters.isPending ? (
        <Loading what="clusters" />
      ) : clusters.error ? (
        <ErrorState error={clusters.error} />
      ) : clusters.data.length === 0 ? (
        <Empty>No cluster registered yet.</Empty>
      ) : (
        <Table>
          <TableHead columns={['Cluster', 'Bootstrap', 'Status', 'Last reconcile', 'Interval']} />
          <tbody>
            {clusters.data.map((c) => (
              <Tr key={c.name}>
                <Td>
                  <Link className="font-medium text-indigo-700 hover:underline" href={`/admin/clusters/${c.name}`}>
                    {c.name}
                  </Link>
                  <div className="text-xs text-slate-500">
                    {c.saslUsername} ({c.saslMechanism})
                  </div>
                </Td>
                <Td className="font-mono text-xs">{c.bootstrap.join(', ')}</Td>
                <Td>
                  <ClusterStatusBadge status={c.status} />
                  {c.paused ? <span className="ml-2 text-xs text-slate-500">paused</span> : null}
                  {c.lastError ? <div className="text-xs text-red-700">{c.lastError}</div> : null}
                </Td>
                <Td>{c.lastReconcileAt ? new Date(c.lastReconcileAt).toLocaleString() : '—'}</Td>
                <Td>{Math.round(c.reconcileIntervalMs / 1000)} s</Td>
              </Tr>
            ))}
          </tbody>
        </Table>
      )}
      <RegisterClusterDialog open={registering} onClose={() => setRegistering(false)} />
    </section>
  );
}

function RegisterClusterDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  const qc = useQueryClient();
  const [name, setName] = useState('');
  const [bootstrap, setBootstrap] = useState('');
  const [saslMechanism, setMechanism] = useState('SCRAM-SHA-512');
  const [saslUsername, setUsername] = useState('');
  const [saslPassword, setPassword] = useState('');
  const [intervalSec, setIntervalSec] = useState('60');
  const register = useMutation({
    mutationFn: () =>
      api('/clusters', {
        method: 'POST',
        body: {
          name,
          bootstrap,
          saslMechanism,
          saslUsername,
          saslPassword,
          reconcileIntervalMs: Math.round(Number(intervalSec) * 1000),
        },
      }),
    onSuccess: () => {
      qc.invalidateQueries({ queryKey: ['clusters'] });
      setName('');
      setBootstrap('');
      setUsername('');
      setPassword('');
      onClose();
    },
    // The password is not kept in the form after a failed attempt either.
    onError: () => setPassword(''),
  });
  const fe = fieldErrors(register.error);
  return (
    <Dialog open={open} onClose={onClose} title="Register a cluster">
      <form
        className="space-y-3"
        onSubmit={(e) => {
          e.preventDefault();
          register.mutate();
        }}
      >
        <TextField label="Name" name="name" value={name} onValue={setName} error={fe.name} required />
        <TextField
          label="Bootstrap brokers"
          name="bootstrap"
          value={bootstrap}
          onValue={setBootstrap}
          error={fe.bootstrap}
          hint="HOST:PORT, comma-separated; SASL over plaintext (TLS is not supported yet)"
          required
        />
        <Field label="SASL mechanism" error={fe.saslMechanism}>
          {(p) => (
            <Select {...p} name="saslMechanism" value={saslMechanism} onChange={(e) => setMechanism(e.target.value)}>
              <option>SCRAM-SHA-512</option>
              <option>SCRAM-SHA-256</option>
              <option>PLAIN</option>
            </Select>
          )}
        </Field>
        <TextField
          label="Admin principal"
          name="saslUsername"
          value={saslUsername}
          onValue={setUsername}
          error={fe.saslUsername}
          hint="Needs ALTER, DESCRIBE, ALTER_CONFIGS, DESCRIBE_CONFIGS on the cluster; DESCRIBE and DELETE on topics and groups"
          required
        />
        <TextField
          label="Password"
          name="saslPassword"
          type="password"
          autoComplete="off"
          value={saslPassword}
          onValue={setPassword}
          error={fe.saslPassword}
          hint="Stored encrypted; never shown again"
          required
        />
        <TextField
          label="Reconcile every (seconds)"
          name="interval"
          type="number"
          min={5}
          value={intervalSec}
          onValue={setIntervalSec}
          error={fe.reconcileIntervalMs}
        />
        {register.error && !Object.keys(fe).length ? <ErrorState error={register.error} /> : null}
        <div className="flex justify-end gap-2">
          <Button variant="secondary" onClick={onClose}>
            Cancel
          </Button>
          <Button type="submit" disabled={register.isPending}>
            {register.isPending ? 'Checking the cluster…' : 'Register'}
          </Button>
        </div>
      </form>
    </Dialog>
  );
}
