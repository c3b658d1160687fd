/** Hide credentials inside a URL: `redis://:secret@host` → `redis://:****@host`. */
export function maskUrl(value: string): string {
  try {
    const u = new URL(value);
    if (!u.password) return value;
    u.password = '****';
    return u.toString();
  } catch {
    // Not a URL we can parse: hide anything between "://" and "@" rather than risk a leak.
    return value.replace(/\/\/[^@]*@/, '//****@');
  }
}
