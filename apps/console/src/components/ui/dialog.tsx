'use client';
/** A modal dialog on the native <dialog> element: focus trapping, Escape to close and the backdrop come free. */
import { type ReactNode, useEffect, useRef } from 'react';
import { Button } from './button.tsx';

export function Dialog({
  open,
  onClose,
  title,
  children,
}: {
  open: boolean;
  onClose: () => void;
  title: string;
  children: ReactNode;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (open && !d.open) d.showModal();
    if (!open && d.open) d.close();
  }, [open]);
  return (
    <dialog
      ref={ref}
      onClose={onClose}
      aria-labelledby="dialog-title"
      className="m-auto w-full max-w-lg rounded-lg p-0 shadow-xl backdrop:bg-slate-900/40"
    >
      <div className="space-y-4 p-5">
        <h2 id="dialog-title" className="text-lg font-semibold">
          {title}
        </h2>
        {children}
      </div>
    </dialog>
  );
}

/** Asks before a destructive action; the user must type the resource's name when `confirmText` is set. */
export function ConfirmDialog(props: {
  open: boolean;
  onClose: () => void;
  onConfirm: () => void;
  title: string;
  message: ReactNode;
  confirmLabel: string;
  confirmText?: string;
  pending?: boolean;
}) {
  const inputRef = useRef<HTMLInputElement>(null);
  return (
    <Dialog open={props.open} onClose={props.onClose} title={props.title}>
      <div className="text-sm text-slate-700">{props.message}</div>
      <form
        className="space-y-3"
        onSubmit={(e) => {
          e.preventDefault();
          if (props.confirmText && inputRef.current?.value !== props.confirmText) return;
          props.onConfirm();
        }}
      >
        {props.confirmText ? (
          <label className="block text-sm">
            Type <code className="font-semibold">{props.confirmText}</code> to confirm
            <input
              ref={inputRef}
              name="confirm"
              className="mt-1 block w-full rounded-md border border-slate-300 px-3 py-1.5"
              autoComplete="off"
            />
          </label>
        ) : null}
        <div className="flex justify-end gap-2">
          <Button variant="secondary" onClick={props.onClose}>
            Cancel
          </Button>
          <Button type="submit" variant="danger" disabled={props.pending}>
            {props.confirmLabel}
          </Button>
        </div>
      </form>
    </Dialog>
  );
}
