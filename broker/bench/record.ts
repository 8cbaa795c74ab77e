import fs from 'node:fs';
import os from 'node:os';

/**
 * Replaces the suite's section of BENCHMARKS.md with this run's figures (machine, date, command, JSON lines).
 * Quick runs are not recorded.
 */
export function recordResults(suite: string, command: string, lines: readonly object[], notes = ''): void {
  const file = 'BENCHMARKS.md';
  const begin = `<!-- bench:${suite} -->`;
  const end = `<!-- /bench:${suite} -->`;
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  const section = [
    begin,
    `### \`${suite}\``,
    '',
    `- Machine: ${os.cpus().length} × ${cpu}, ${Math.round(os.totalmem() / 2 ** 30)} GiB RAM, ${os.platform()} ${os.release()}, Node ${process.version}`,
    `- Date: ${new Date().toISOString()}`,
    `- Command: \`${command}\``,
    ...(notes ? ['', notes] : []),
    '',
    '```json',
    ...lines.map((l) => JSON.stringify(l)),
    '```',
    end,
  ].join('\n');
  const current = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '# Benchmarks\n\nFigures from `npm run bench`; each section is rewritten by a full (non-quick) run of its suite.\n';
  const i = current.indexOf(begin);
  const j = current.indexOf(end);
  const next = i >= 0 && j > i ? current.slice(0, i) + section + current.slice(j + end.length) : `${current.trimEnd()}\n\n${section}\n`;
  fs.writeFileSync(file, next);
}
