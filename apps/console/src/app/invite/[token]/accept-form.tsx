'use client';
import { useMutation } from '@tanstack/react-query';
import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { Button } from '../../../components/ui/button.tsx';
import { TextField } from '../../../components/ui/input.tsx';
import { api, fieldErrors } from '../../../lib/api-client.ts';

export function AcceptInvitationForm({ token, email }: { token: string; email: string }) {
  const router = useRouter();
  const [password, setPassword] = useState('');
  const [name, setName] = useState('');
  const m = useMutation({
    mutationFn: () =>
      api<{ tenant: string }>('/invitations/accept', {
        method: 'POST',
        body: { token, password, ...(name ? { name } : {}) },
      }),
    onSuccess: (r) => {
      router.push(`/t/${r.tenant}`);
      router.refresh();
    },
  });
  const fe = fieldErrors(m.error);
  return (
    <form
      className="space-y-4"
      onSubmit={(e) => {
        e.preventDefault();
        m.mutate();
      }}
    >
      <input type="email" name="email" autoComplete="username" value={email} readOnly hidden />
      <TextField label="Your name (new accounts)" error={fe.name} name="name" value={name} onValue={setName} />
      <TextField
        label="Password"
        error={fe.password}
        hint="If you already have a Samsa account, its password; otherwise choose one (at least 8 characters)"
        name="password"
        type="password"
        autoComplete="current-password"
        value={password}
        onValue={setPassword}
        required
      />
      {m.error && !Object.keys(fe).length ? (
        <p role="alert" className="text-sm text-red-600">
          {m.error.message}
        </p>
      ) : null}
      <Button type="submit" className="w-full" disabled={m.isPending}>
        {m.isPending ? 'Joining…' : 'Accept invitation'}
      </Button>
    </form>
  );
}
