'use client';

import { useRouter } from 'next/navigation.js';
import type { MouseEvent, ReactNode } from 'react';

/** Client-side navigation on a real anchor (next/link's CommonJS typings do not resolve under NodeNext). */
export function NavLink({ href, className, children }: { href: string; className?: string; children: ReactNode }) {
  const router = useRouter();
  function go(e: MouseEvent<HTMLAnchorElement>): void {
    if (e.metaKey || e.ctrlKey || e.shiftKey || e.button !== 0) return;
    e.preventDefault();
    router.push(href);
  }
  return (
    <a href={href} onClick={go} className={className}>
      {children}
    </a>
  );
}
