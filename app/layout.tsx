import type { Metadata } from 'next';
import type { ReactNode } from 'react';
import { THEME_SCRIPT } from './_components/theme-script.ts';
import { Providers } from './_components/trpc.tsx';
import './globals.css';

export const metadata: Metadata = {
  title: 'Meridian',
  description: 'Self-hosted RocketMQ-compatible message queue console',
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en" suppressHydrationWarning>
      <head>
        <script dangerouslySetInnerHTML={{ __html: THEME_SCRIPT }} />
      </head>
      <body className="min-h-screen bg-slate-50 text-slate-900 antialiased dark:bg-slate-950 dark:text-slate-100">
        <Providers>{children}</Providers>
      </body>
    </html>
  );
}
