const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

/** Bytes as people read them, in powers of 1024: "512 B", "4 MiB", "1.5 GiB". */
export function formatBytes(n: number): string {
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  const digits = unit === 0 || value >= 100 || Number.isInteger(value) ? 0 : 1;
  return `${value.toFixed(digits)} ${UNITS[unit]}`;
}

export function Bytes({ value }: { value: number }) {
  return (
    <span title={`${value.toLocaleString()} bytes`} className="tabular-nums">
      {formatBytes(value)}
    </span>
  );
}
