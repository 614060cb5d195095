'use client';
import { useMutation } from '@tanstack/react-query';
import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { Button } from '../../components/ui/button.tsx';
import { Field, Input, TextField } from '../../components/ui/input.tsx';
import { api, fieldErrors } from '../../lib/api-client.ts';

/** Sign-in, or with `setup` the first admin (plus the setup token when the browser is not on the console's machine). */
export function LoginForm({ setup = false, needsToken = false }: { setup?: boolean; needsToken?: boolean }) {
  const router = useRouter();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [setupToken, setSetupToken] = useState('');
  const m = useMutation({
    mutationFn: () =>
      api(setup ? '/auth/bootstrap' : '/auth/login', {
        method: 'POST',
        body: setup && setupToken ? { email, password, setupToken } : { email, password },
      }),
    onSuccess: () => {
      router.push('/');
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
      <Field label="Email" error={fe.email}>
        {(p) => (
          <Input
            {...p}
            name="email"
            type="email"
            autoComplete="username"
            value={email}
            onChange={(e) => setEmail(e.target.value)}
            required
          />
        )}
      </Field>
      <Field label="Password" error={fe.password} hint={setup ? 'At least 8 characters' : undefined}>
        {(p) => (
          <Input
            {...p}
            name="password"
            type="password"
            autoComplete={setup ? 'new-password' : 'current-password'}
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            required
          />
        )}
      </Field>
      {setup && needsToken ? (
        <TextField
          label="Setup token"
          error={fe.setupToken}
          hint="Printed by `samsa start` in the console's terminal"
          name="setupToken"
          autoComplete="off"
          value={setupToken}
          onValue={setSetupToken}
          required
        />
      ) : null}
      {m.error && !Object.keys(fe).length ? (
        <p role="alert" className="text-sm text-red-600">
          {m.error.message}
        </p>
      ) : null}
      <Button type="submit" className="w-full" disabled={m.isPending}>
        {setup ? 'Create admin and sign in' : m.isPending ? 'Signing in…' : 'Sign in'}
      </Button>
    </form>
  );
}
