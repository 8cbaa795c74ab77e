import type { ReactNode } from 'react';
import { InstanceScope } from '../../../_components/instance-scope.tsx';

export default function InstanceLayout({ children }: { children: ReactNode }) {
  return <InstanceScope>{children}</InstanceScope>;
}
