import {
  type InputHTMLAttributes,
  type ReactNode,
  type SelectHTMLAttributes,
  type TextareaHTMLAttributes,
  useId,
} from 'react';
import { cn } from './cn.ts';

const base =
  'block w-full rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm shadow-sm focus:border-indigo-500 aria-[invalid=true]:border-red-500';

export function Input({ className, ...props }: InputHTMLAttributes<HTMLInputElement>) {
  return <input className={cn(base, className)} {...props} />;
}

export function Select({ className, ...props }: SelectHTMLAttributes<HTMLSelectElement>) {
  return <select className={cn(base, className)} {...props} />;
}

export function Textarea({ className, ...props }: TextareaHTMLAttributes<HTMLTextAreaElement>) {
  return <textarea className={cn(base, 'font-mono', className)} {...props} />;
}

/** A labelled form field with its error messages, wired with aria attributes. */
export function Field({
  label,
  error,
  hint,
  children,
}: {
  label: string;
  error?: string[];
  hint?: string;
  children: (props: { id: string; 'aria-invalid': boolean; 'aria-describedby'?: string }) => ReactNode;
}) {
  const id = useId();
  const errId = `${id}-err`;
  return (
    <div className="space-y-1">
      <label htmlFor={id} className="block text-sm font-medium text-slate-700">
        {label}
      </label>
      {children({ id, 'aria-invalid': Boolean(error?.length), 'aria-describedby': error?.length ? errId : undefined })}
      {hint && !error?.length ? <p className="text-xs text-slate-500">{hint}</p> : null}
      {error?.length ? (
        <p id={errId} role="alert" className="text-xs text-red-600">
          {error.join('; ')}
        </p>
      ) : null}
    </div>
  );
}

/** The common case of Field + Input: a labelled text, email or password input bound to a string state. */
export function TextField({
  label,
  error,
  hint,
  value,
  onValue,
  ...input
}: {
  label: string;
  error?: string[] | undefined;
  hint?: string | undefined;
  value: string;
  onValue: (v: string) => void;
} & Omit<InputHTMLAttributes<HTMLInputElement>, 'value' | 'onChange' | 'id'>) {
  return (
    <Field label={label} error={error} hint={hint}>
      {(p) => <Input {...input} {...p} value={value} onChange={(e) => onValue(e.target.value)} />}
    </Field>
  );
}
