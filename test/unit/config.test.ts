import { describe, it, expect } from 'vitest';
import { loadConfig, loadSimulatorConfig } from '../../src/config.js';
import { ConfigError } from '../../src/errors.js';
import { maskPhone } from '../../src/logger.js';

function minimalEnv(over: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  return {
    DATABASE_URL: 'postgresql://codecall:pw@localhost:5432/codecall',
    REDIS_URL: 'redis://localhost:6379',
    PBX_URL: 'https://192.168.1.10:8088',
    PBX_USERNAME: 'api',
    PBX_PASSWORD: 'api-password',
    ...over,
  };
}

function productionEnv(over: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  return minimalEnv({
    NODE_ENV: 'production',
    PBX_REPORT_SECRET: 'prod-report-secret-0123456789',
    CODE_HMAC_SECRET: 'prod-code-secret-0123456789',
    CALLBACK_SECRET: 'prod-callback-secret-0123456789',
    API_KEYS: 'key-one',
    ...over,
  });
}

/** The ConfigError `load` throws; fails the test if it throws none or another error. */
function configErrorFor(load: () => unknown): ConfigError {
  try {
    load();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error('expected a ConfigError, but the configuration loaded');
}

describe('loadConfig with a minimal valid environment', () => {
  it('gives the documented defaults', () => {
    const c = loadConfig(minimalEnv());
    expect(c.http.port).toBe(3000);
    expect(c.pbx.fromExt).toBe('1000');
    expect(c.ivr).toEqual({ entry: '6500', success: '6502', retry: '6503', fail: null });
    expect(c.env).toBe('development');
    expect(c.apiKeys).toEqual([]);
    expect(c.pbx.eventsUrl).toBeUndefined();
    expect(c.pbx.tlsInsecure).toBe(false);
  });

  it('passes on the PBX address and credentials it was given', () => {
    const c = loadConfig(minimalEnv());
    expect(c.pbx.url.href).toBe('https://192.168.1.10:8088/');
    expect(c.pbx.username).toBe('api');
    expect(c.pbx.password).toBe('api-password');
  });

  it('treats empty variables as not set', () => {
    const c = loadConfig(minimalEnv({ PORT: '', IVR_FAIL: '' }));
    expect(c.http.port).toBe(3000);
    expect(c.ivr.fail).toBeNull();
  });

  it('takes the IVR numbers and port it is given', () => {
    const c = loadConfig(minimalEnv({ PORT: '8080', IVR_ENTRY: '7500', IVR_SUCCESS: '7502', IVR_RETRY: '7503', IVR_FAIL: '7504' }));
    expect(c.http.port).toBe(8080);
    expect(c.ivr).toEqual({ entry: '7500', success: '7502', retry: '7503', fail: '7504' });
  });
});

describe('loadConfig with a bad environment', () => {
  it('names every missing or bad variable in one ConfigError', () => {
    const err = configErrorFor(() => loadConfig(minimalEnv({ DATABASE_URL: undefined, PBX_URL: undefined, PORT: 'not-a-port' })));
    expect(err.code).toBe('config_invalid');
    for (const name of ['DATABASE_URL', 'PBX_URL', 'PORT']) expect(err.message).toContain(name);
    expect(err.problems).toHaveLength(3);
  });

  it('does not name variables that are fine', () => {
    const err = configErrorFor(() => loadConfig(minimalEnv({ DATABASE_URL: undefined, PBX_URL: undefined, PORT: 'not-a-port' })));
    for (const name of ['REDIS_URL', 'PBX_USERNAME', 'PBX_PASSWORD']) expect(err.message).not.toContain(name);
  });

  it('names a variable that is set to the wrong kind of value', () => {
    const err = configErrorFor(() =>
      loadConfig(minimalEnv({ DATABASE_URL: 'mysql://localhost/db', PBX_URL: 'ftp://pbx', IVR_ENTRY: '65a0', PBX_TLS_INSECURE: 'maybe' })),
    );
    for (const name of ['DATABASE_URL', 'PBX_URL', 'IVR_ENTRY', 'PBX_TLS_INSECURE']) expect(err.message).toContain(name);
  });

  it.each(['70000', '-1', '3000.5'])('rejects PORT=%s', (value) => {
    expect(configErrorFor(() => loadConfig(minimalEnv({ PORT: value }))).message).toContain('PORT');
  });

  it('rejects a report secret shorter than 16 characters', () => {
    expect(configErrorFor(() => loadConfig(minimalEnv({ PBX_REPORT_SECRET: 'short' }))).message).toContain('PBX_REPORT_SECRET');
  });
});

describe('loadConfig in production', () => {
  it('accepts real secrets and at least one API key', () => {
    expect(loadConfig(productionEnv()).env).toBe('production');
  });

  it('refuses the development default secrets and names both', () => {
    const err = configErrorFor(() => loadConfig(productionEnv({ PBX_REPORT_SECRET: undefined, CODE_HMAC_SECRET: undefined })));
    expect(err.message).toContain('PBX_REPORT_SECRET');
    expect(err.message).toContain('CODE_HMAC_SECRET');
  });

  it('refuses the development default report secret even when written out', () => {
    const err = configErrorFor(() => loadConfig(productionEnv({ PBX_REPORT_SECRET: 'dev-report-secret-change-me' })));
    expect(err.message).toContain('PBX_REPORT_SECRET');
    expect(err.message).not.toContain('CODE_HMAC_SECRET');
  });

  it('starts without API_KEYS, since keys may live in the database', () => {
    expect(loadConfig(productionEnv({ API_KEYS: ' , ' })).apiKeys).toEqual([]);
  });

  it('allows the development defaults outside production', () => {
    expect(() => loadConfig(minimalEnv({ NODE_ENV: 'development' }))).not.toThrow();
    expect(() => loadConfig(minimalEnv({ NODE_ENV: 'test' }))).not.toThrow();
  });
});

describe('API_KEYS', () => {
  it('splits on commas, trims each key and drops empty ones', () => {
    expect(loadConfig(minimalEnv({ API_KEYS: ' key-a ,key-b,, key-c ,' })).apiKeys).toEqual(['key-a', 'key-b', 'key-c']);
  });
});

describe('loadSimulatorConfig', () => {
  it('gives its defaults for an empty environment', () => {
    expect(loadSimulatorConfig({})).toMatchObject({ port: 8088, host: '127.0.0.1', username: 'api', password: 'password', timeScale: 1, tls: undefined });
  });

  it('names every bad simulator variable at once', () => {
    const err = configErrorFor(() => loadSimulatorConfig({ SIM_PORT: 'x', SIM_TIME_SCALE: '0' }));
    expect(err.message).toContain('SIM_PORT');
    expect(err.message).toContain('SIM_TIME_SCALE');
  });

  it('refuses a TLS key without a certificate', () => {
    expect(configErrorFor(() => loadSimulatorConfig({ SIM_TLS_KEY_FILE: '/run/secrets/key.pem' })).message).toContain('SIM_TLS_CERT_FILE');
  });
});

describe('maskPhone', () => {
  it('keeps the first three and last four digits of a mobile number', () => {
    expect(maskPhone('13800000001')).toBe('138****0001');
  });

  it('drops a leading + and still keeps only three leading and four trailing digits', () => {
    expect(maskPhone('+8613800000001')).toBe('861******0001');
  });

  it('never shows more than the last four digits of a number of eight digits or fewer', () => {
    expect(maskPhone('10086')).toBe('*0086');
    expect(maskPhone('1234')).toBe('****');
  });
});
