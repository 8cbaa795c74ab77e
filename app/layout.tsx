import type { Metadata } from 'next';
import type { ReactNode } from 'react';
import { Providers } from './_components/trpc.tsx';
import './globals.css';

export const metadata: Metadata = {
  title: 'Meridian',
  description: 'Self-hosted RocketMQ-compatible message queue console',
};

/** Applies the saved theme before first paint (no flash of the wrong theme). */
const THEME_SCRIPT = `try{var t=localStorage.getItem('meridian-theme');if(t==='dark'||(!t&&matchMedia('(prefers-color-scheme: dark)').matches))document.documentElement.classList.add('dark')}catch(e){}`;

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
