/** A cookie-keeping HTTP client, enough to sign in and use the dashboard like a browser. */
export class Browser {
  private readonly cookies = new Map<string, string>();

  constructor(
    private readonly baseUrl: string,
    private readonly headers: Record<string, string> = {},
  ) {}

  async request(method: string, path: string, form?: Record<string, string>): Promise<{ status: number; text: string; location: string | null; headers: Headers }> {
    const res = await fetch(this.baseUrl + path, {
      method,
      redirect: 'manual',
      headers: {
        ...this.headers,
        cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '),
        ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      body: form ? new URLSearchParams(form).toString() : undefined,
    });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const [k, v] = pair!.split('=');
      if (/Max-Age=0/.test(c)) this.cookies.delete(k!);
      else this.cookies.set(k!, v ?? '');
    }
    return { status: res.status, text: await res.text(), location: res.headers.get('location'), headers: res.headers };
  }

  get(path: string) {
    return this.request('GET', path);
  }

  post(path: string, form: Record<string, string>) {
    return this.request('POST', path, form);
  }

  /** The CSRF token of the last form on a page. */
  static csrfOf(page: string): string {
    const all = [...page.matchAll(/name="csrf" value="([^"]+)"/g)];
    return all.at(-1)?.[1] ?? '';
  }

  async signIn(username: string, password: string) {
    const login = await this.get('/login');
    return this.post('/login', { csrf: Browser.csrfOf(login.text), username, password });
  }
}
