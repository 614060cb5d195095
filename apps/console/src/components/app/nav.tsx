'use client';
import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { usePathname, useRouter } from 'next/navigation';
import { useCallback, useState } from 'react';
import { api } from '../../lib/api-client.ts';
import { Button } from '../ui/button.tsx';
import { cn } from '../ui/cn.ts';
import { CommandPalette, usePaletteShortcut } from './command-palette.tsx';
import { ThemeToggle } from './theme-toggle.tsx';

interface Me {
  email: string;
  isPlatformAdmin: boolean;
  tenants: { slug: string; displayName: string; role?: string; status: string }[];
}

function NavLink({ href, children, exact = false }: { href: string; children: string; exact?: boolean }) {
  const path = usePathname();
  const active = path === href || (!exact && path.startsWith(`${href}/`));
  return (
    <Link
      href={href}
      aria-current={active ? 'page' : undefined}
      className={cn(
        'block rounded-md px-3 py-1.5 text-sm',
        active ? 'bg-indigo-50 font-medium text-indigo-700' : 'text-slate-700 hover:bg-slate-100',
      )}
    >
      {children}
    </Link>
  );
}

export function AppNav({ email, isPlatformAdmin }: { email: string; isPlatformAdmin: boolean }) {
  const router = useRouter();
  const path = usePathname();
  const me = useQuery({ queryKey: ['me'], queryFn: () => api<Me>('/me') });
  const current = path.startsWith('/t/') ? path.split('/')[2] : undefined;
  const tenants = me.data?.tenants ?? [];
  const [paletteOpen, setPaletteOpen] = useState(false);
  const openPalette = useCallback(() => setPaletteOpen(true), []);
  usePaletteShortcut(openPalette);
  return (
    <nav
      aria-label="Main"
      className="space-y-4 border-b border-slate-200 bg-white p-4 md:w-60 md:shrink-0 md:border-r md:border-b-0"
    >
      <div className="flex items-center justify-between gap-2">
        <Link href="/" className="block text-lg font-bold text-indigo-700">
          Samsa
        </Link>
        <button
          type="button"
          onClick={openPalette}
          aria-keyshortcuts="Control+K Meta+K"
          className="flex items-center gap-2 rounded-md border border-slate-300 bg-white px-2 py-1 text-sm text-slate-600 hover:bg-slate-100"
        >
          Search
          <kbd className="rounded border border-slate-300 px-1 font-sans text-xs">Ctrl K</kbd>
        </button>
      </div>
      <CommandPalette open={paletteOpen} onClose={() => setPaletteOpen(false)} />
      {isPlatformAdmin ? (
        <div className="space-y-1">
          <p className="px-3 text-xs font-semibold uppercase text-slate-500">Platform</p>
          <NavLink href="/" exact>
            Overview
          </NavLink>
          <NavLink href="/admin/tenants">Tenants</NavLink>
          <NavLink href="/admin/users">Users</NavLink>
          <NavLink href="/admin/clusters">Clusters</NavLink>
          <NavLink href="/admin/groups">Consumer groups</NavLink>
          <NavLink href="/admin/transactions">Transactions</NavLink>
          <NavLink href="/admin/requests">Pending requests</NavLink>
          <NavLink href="/admin/audit">Audit log</NavLink>
        </div>
      ) : null}
      <div className="space-y-1">
        <label htmlFor="tenant-switch" className="px-3 text-xs font-semibold uppercase text-slate-500">
          Tenant
        </label>
        <select
          id="tenant-switch"
          className="block w-full rounded-md border border-slate-300 px-2 py-1 text-sm"
          value={current ?? ''}
          onChange={(e) => e.target.value && router.push(`/t/${e.target.value}`)}
        >
          <option value="">{tenants.length ? 'Choose a tenant…' : 'No tenants'}</option>
          {tenants.map((t) => (
            <option key={t.slug} value={t.slug}>
              {t.displayName} ({t.slug})
            </option>
          ))}
        </select>
        {current ? (
          <div className="space-y-1 pt-1">
            <NavLink href={`/t/${current}`} exact>
              Overview
            </NavLink>
            <NavLink href={`/t/${current}/topics`}>Topics</NavLink>
            <NavLink href={`/t/${current}/groups`}>Consumer groups</NavLink>
            <NavLink href={`/t/${current}/transactions`}>Transactions</NavLink>
            <NavLink href={`/t/${current}/schemas`}>Schemas</NavLink>
            <NavLink href={`/t/${current}/processors`}>Processors</NavLink>
            <NavLink href={`/t/${current}/alerts`}>Alerts</NavLink>
            <NavLink href={`/t/${current}/keys`}>API keys</NavLink>
            <NavLink href={`/t/${current}/acls`}>ACLs</NavLink>
            <NavLink href={`/t/${current}/requests`}>Requests</NavLink>
            <NavLink href={`/t/${current}/members`}>Members</NavLink>
            <NavLink href={`/t/${current}/audit`}>Audit log</NavLink>
          </div>
        ) : null}
      </div>
      <div className="space-y-2 border-t border-slate-200 pt-3 text-sm">
        <p className="truncate text-slate-600" title={email}>
          {email}
        </p>
        <NavLink href="/account">Your account and API tokens</NavLink>
        <ThemeToggle />
        <Button
          variant="secondary"
          size="sm"
          onClick={async () => {
            await api('/auth/logout', { method: 'POST' });
            router.push('/login');
            router.refresh();
          }}
        >
          Sign out
        </Button>
      </div>
    </nav>
  );
}
