'use client';

import { useEffect, useId, useRef, useState, type ReactNode } from 'react';
import { buttonClass } from './ui.tsx';

/**
 * A modal layer: a drawer from the right (create and edit forms) or a centred dialog (confirmations).
 * Escape and the backdrop close it; focus moves into it when it opens.
 */
export function Overlay({ title, placement, onClose, children, footer }: { title: string; placement: 'drawer' | 'dialog'; onClose(): void; children: ReactNode; footer?: ReactNode }) {
  const titleId = useId();
  const panel = useRef<HTMLDivElement>(null);
  const close = useRef(onClose);
  useEffect(() => {
    close.current = onClose;
  }, [onClose]);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && close.current();
    window.addEventListener('keydown', onKey);
    panel.current?.querySelector<HTMLElement>('input:not([disabled]), select, textarea, button[data-autofocus]')?.focus();
    return () => window.removeEventListener('keydown', onKey);
  }, []);
  const position = placement === 'drawer' ? 'justify-end' : 'items-center justify-center p-4';
  const size = placement === 'drawer' ? 'h-full w-[32rem] max-w-full border-l' : 'w-[28rem] max-w-full rounded-lg border shadow-xl';
  return (
    <div className={`fixed inset-0 z-40 flex ${position}`}>
      <div aria-hidden className="absolute inset-0 bg-slate-900/40 dark:bg-black/60" onClick={onClose} />
      <div ref={panel} role="dialog" aria-modal="true" aria-labelledby={titleId} className={`relative flex flex-col border-slate-200 bg-white dark:border-slate-800 dark:bg-slate-900 ${size}`}>
        <div className="flex items-center justify-between border-b border-slate-200 px-5 py-3 dark:border-slate-800">
          <h2 id={titleId} className="text-base font-semibold">
            {title}
          </h2>
          <button type="button" aria-label="Close" onClick={onClose} className="rounded px-1.5 text-slate-500 hover:bg-slate-100 dark:hover:bg-slate-800">
            ✕
          </button>
        </div>
        <div className="flex-1 overflow-y-auto px-5 py-4">{children}</div>
        {footer && <div className="flex justify-end gap-2 border-t border-slate-200 px-5 py-3 dark:border-slate-800">{footer}</div>}
      </div>
    </div>
  );
}

/**
 * A page's create or edit action: a button that opens its form in a drawer, so the list stays first.
 * The form gets `close` to call once it has saved; it is mounted afresh each time (no stale values).
 */
export function DrawerButton({ label, title, buttonClassName = buttonClass, children }: { label: string; title: string; buttonClassName?: string; children(close: () => void): ReactNode }) {
  const [open, setOpen] = useState(false);
  const close = () => setOpen(false);
  return (
    <>
      <button type="button" onClick={() => setOpen(true)} className={buttonClassName}>
        {label}
      </button>
      {open && (
        <Overlay title={title} placement="drawer" onClose={close}>
          {children(close)}
        </Overlay>
      )}
    </>
  );
}
