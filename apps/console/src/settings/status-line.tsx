/** A form's outcome line: a polite status while busy or done, an alert on failure. */
export type Status = { kind: 'busy' | 'done' | 'error'; text: string } | undefined;

export function StatusLine({ status }: { status: Status }) {
  if (!status) return null;
  const failed = status.kind === 'error';
  return (
    <p className={failed ? 'error' : 'note'} role={failed ? 'alert' : 'status'}>
      {status.text}
    </p>
  );
}

export const messageOf = (caught: unknown) => (caught instanceof Error ? caught.message : String(caught));
