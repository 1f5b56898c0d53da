import { describe, expect, it } from 'vitest';
import { ConfigError, Type, commonConfig, databaseConfig, kafkaConfig, loadConfig } from '../src/index';

const schema = Type.Object({
  ...commonConfig,
  ...databaseConfig,
  ...kafkaConfig,
  PORT: Type.Integer({ minimum: 1, maximum: 65535 }),
});

describe('loadConfig', () => {
  it('When every variable is valid, then it returns typed values with defaults', () => {
    const cfg = loadConfig('svc', schema, {
      DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/x',
      KAFKA_BROKERS: '127.0.0.1:9092',
      PORT: '3002',
    });
    expect(cfg.PORT).toBe(3002);
    expect(cfg.LOG_LEVEL).toBe('info');
    expect(cfg.KAFKA_TOPIC_PREFIX).toBe('');
  });

  it('When variables are missing or invalid, then the error names every one of them', () => {
    let caught: unknown;
    try {
      loadConfig('catalog', schema, { PORT: 'eighty', LOG_LEVEL: 'loud', KAFKA_BROKERS: 'nohostport' });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const names = (caught as ConfigError).problems.map((p) => p.variable).sort();
    expect(names).toEqual(['DATABASE_URL', 'KAFKA_BROKERS', 'LOG_LEVEL', 'PORT']);
    expect((caught as ConfigError).message).toContain('DATABASE_URL: is required but not set');
    expect((caught as ConfigError).message).toContain('PORT: "eighty"');
  });

  it('When a secret or a URL with a password is invalid, then the error names it without printing the secret', () => {
    const secrets = Type.Object({
      AUTH_EMAIL_HASH_KEY: Type.String({ pattern: '^[A-Za-z0-9+/=]{43,}$' }),
      NATS_URL: Type.String({ pattern: '^(nats|tls)://[^ ]+:4222$' }),
    });
    let message = '';
    try {
      loadConfig('auth', secrets, { AUTH_EMAIL_HASH_KEY: 'sup3r-s3cret!', NATS_URL: 'nats://auth:hunter2@nats:4223' });
    } catch (err) {
      message = (err as ConfigError).message;
    }
    expect(message).toContain('AUTH_EMAIL_HASH_KEY: (hidden, 13 characters)');
    expect(message).toContain('NATS_URL: "nats://auth:***@nats:4223"');
    expect(message).not.toContain('sup3r-s3cret');
    expect(message).not.toContain('hunter2');
  });
});
