import { NotFound } from './_components/not-found.tsx';

/** Any address the console has no page for. */
export default function PageNotFound() {
  return (
    <main className="p-6">
      <NotFound what="Page" back={{ href: '/', label: 'Go to the overview' }} />
    </main>
  );
}
