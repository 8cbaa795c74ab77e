'use client';

import { useState, type ReactNode } from 'react';
import type { Column } from './data-table.tsx';
import { ErrorBanner } from './errors.tsx';
import { Overlay } from './overlay.tsx';
import { buttonClass, dangerButtonClass, dangerLinkClass, inputClass, secondaryButtonClass } from './ui.tsx';

interface ConfirmProps {
  /** The button that opens the dialog. */
  label: ReactNode;
  /** Accessible name of that button when its label is not enough ("Delete orders"). */
  ariaLabel?: string;
  buttonClassName: string;
  title: string;
  body: ReactNode;
  confirmLabel: string;
  /** For destructive actions: the name the user types before the action is allowed. */
  typeToConfirm?: string;
  tone?: 'danger' | 'primary';
  /** The opening button is disabled (nothing to do). */
  disabled?: boolean;
  /** Runs the action; the dialog closes when it resolves and shows the failure when it rejects. */
  onConfirm(): Promise<unknown>;
}

/** A button that asks first: a dialog that says what will happen and, for destructive actions, wants the name typed. */
export function ConfirmAction(props: ConfirmProps) {
  const [open, setOpen] = useState(false);
  const [typed, setTyped] = useState('');
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<unknown>(null);
  function close(): void {
    setOpen(false);
    setTyped('');
    setError(null);
  }
  async function confirm(): Promise<void> {
    setPending(true);
    setError(null);
    try {
      await props.onConfirm();
      close();
    } catch (e) {
      setError(e);
    } finally {
      setPending(false);
    }
  }
  const blocked = props.typeToConfirm !== undefined && typed !== props.typeToConfirm;
  return (
    <>
      <button type="button" aria-label={props.ariaLabel} disabled={props.disabled} onClick={() => setOpen(true)} className={props.buttonClassName}>
        {props.label}
      </button>
      {open && (
        <Overlay
          title={props.title}
          placement="dialog"
          onClose={close}
          footer={
            <>
              <button type="button" onClick={close} className={secondaryButtonClass}>
                Cancel
              </button>
              <button type="button" data-autofocus={props.typeToConfirm === undefined || undefined} disabled={blocked || pending} onClick={() => void confirm()} className={props.tone === 'primary' ? buttonClass : dangerButtonClass}>
                {pending ? 'Working…' : props.confirmLabel}
              </button>
            </>
          }
        >
          <div className="space-y-3 text-sm">
            <div className="text-slate-700 dark:text-slate-300">{props.body}</div>
            {props.typeToConfirm !== undefined && (
              <label className="block">
                <span className="text-xs text-slate-600 dark:text-slate-400">
                  Type <b className="font-mono text-slate-900 dark:text-slate-100">{props.typeToConfirm}</b> to confirm
                </span>
                <input aria-label={`Type ${props.typeToConfirm} to confirm`} autoComplete="off" value={typed} onChange={(e) => setTyped(e.target.value)} className={`mt-1 w-full font-mono ${inputClass}`} />
              </label>
            )}
            <ErrorBanner error={error} />
          </div>
        </Overlay>
      )}
    </>
  );
}

/** A table row's delete action: asks for the row's name first. */
export function DeleteRow({ what, name, consequence, onConfirm }: { what: string; name: string; consequence: string; onConfirm(): Promise<unknown> }) {
  return (
    <ConfirmAction
      label="Delete"
      ariaLabel={`Delete ${name}`}
      buttonClassName={dangerLinkClass}
      title={`Delete ${what} ${name}`}
      body={consequence}
      confirmLabel={`Delete ${what}`}
      typeToConfirm={name}
      onConfirm={onConfirm}
    />
  );
}

/** The "Actions" column of a list whose rows an operator deletes by name, each after confirming it. */
export function deleteColumn<T extends { name: string }>(what: string, consequence: string, del: (name: string) => Promise<unknown>): Column<T> {
  return { key: 'actions', header: 'Actions', render: (r) => <DeleteRow what={what} name={r.name} consequence={consequence} onConfirm={() => del(r.name)} /> };
}

/** The end of a detail page where destructive actions live, each asking for the resource's name. */
export function DangerZone({ children }: { children: ReactNode }) {
  return (
    <section aria-label="Danger zone" className="rounded-lg border border-red-200 bg-white dark:border-red-900/70 dark:bg-slate-900">
      <h2 className="border-b border-red-200 px-4 py-2 text-sm font-semibold text-red-700 dark:border-red-900/70 dark:text-red-400">Danger zone</h2>
      <div className="divide-y divide-red-100 dark:divide-red-900/40">{children}</div>
    </section>
  );
}

/** One destructive action in the danger zone; `disabled` when there is nothing for it to destroy. */
export function DangerAction({
  title,
  description,
  name,
  confirmLabel,
  onConfirm,
  disabled,
}: {
  title: string;
  description: ReactNode;
  name: string;
  confirmLabel: string;
  onConfirm(): Promise<unknown>;
  disabled?: boolean;
}) {
  return (
    <div className="flex flex-wrap items-center justify-between gap-3 px-4 py-3 text-sm">
      <div className="min-w-0 flex-1">
        <p className="font-medium">{title}</p>
        <p className="text-slate-600 dark:text-slate-400">{description}</p>
      </div>
      <ConfirmAction label={confirmLabel} buttonClassName={dangerButtonClass} title={title} body={description} confirmLabel={confirmLabel} typeToConfirm={name} onConfirm={onConfirm} disabled={disabled} />
    </div>
  );
}

/** A detail page's danger zone when deleting the resource is all it holds. */
export function DangerDelete({ what, name, consequence, onConfirm }: { what: string; name: string; consequence: string; onConfirm(): Promise<unknown> }) {
  return (
    <DangerZone>
      <DangerAction title={`Delete this ${what}`} description={consequence} name={name} confirmLabel={`Delete ${what}`} onConfirm={onConfirm} />
    </DangerZone>
  );
}
