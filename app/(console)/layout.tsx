import type { ReactNode } from 'react';
import { Shell } from '../_components/shell.tsx';

export default function ConsoleLayout({ children }: { children: ReactNode }) {
  return <Shell>{children}</Shell>;
}
