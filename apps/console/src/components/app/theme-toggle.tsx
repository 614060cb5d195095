'use client';
/** Chooses the colour theme (system, light or dark); the choice is remembered in this browser. */
import { useEffect, useState } from 'react';
import { applyTheme, readThemeChoice, saveThemeChoice, type ThemeChoice } from '../../lib/theme.ts';

export function ThemeToggle() {
  const [choice, setChoice] = useState<ThemeChoice>('system');
  useEffect(() => {
    setChoice(readThemeChoice());
    // While following the system, follow its changes too.
    const media = matchMedia('(prefers-color-scheme: dark)');
    const onChange = () => readThemeChoice() === 'system' && applyTheme('system');
    media.addEventListener('change', onChange);
    return () => media.removeEventListener('change', onChange);
  }, []);
  return (
    <label className="flex items-center justify-between gap-2 px-3 text-sm text-slate-700">
      Theme
      <select
        name="theme"
        className="rounded-md border border-slate-300 bg-white px-2 py-1 text-sm"
        value={choice}
        onChange={(e) => {
          const next = e.target.value as ThemeChoice;
          setChoice(next);
          saveThemeChoice(next);
        }}
      >
        <option value="system">System</option>
        <option value="light">Light</option>
        <option value="dark">Dark</option>
      </select>
    </label>
  );
}
