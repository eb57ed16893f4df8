import fc from 'fast-check';
import { Webhook } from 'standardwebhooks';
import { newSecret, signatureHeader } from '../signature';

describe('webhook signatures', () => {
  it('match the published Standard Webhooks example', () => {
    // The example of the Standard Webhooks specification (spec/standard-webhooks.md, "Signature scheme").
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    const body = '{"test": 2432232314}';
    expect(signatureHeader('msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, body, [secret])).toBe(
      'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
    );
  });

  it('verify with the standardwebhooks package for any body, with either secret during a rotation', () => {
    const old = newSecret();
    const current = newSecret();
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 200 }), fc.stringMatching(/^msg_[A-Za-z0-9]{1,32}$/), (text, id) => {
        const body = JSON.stringify({ text });
        const timestamp = Math.floor(Date.now() / 1000);
        const headers = {
          'webhook-id': id,
          'webhook-timestamp': String(timestamp),
          'webhook-signature': signatureHeader(id, timestamp, body, [current, old]),
        };
        expect(new Webhook(current).verify(body, headers)).toEqual({ text });
        expect(new Webhook(old).verify(body, headers)).toEqual({ text });
        expect(() => new Webhook(newSecret()).verify(body, headers)).toThrow();
        expect(() => new Webhook(current).verify(`${body} `, headers)).toThrow();
      }),
      { numRuns: 50 },
    );
  });

  it('makes secrets of 32 random bytes', () => {
    const secrets = new Set(Array.from({ length: 100 }, newSecret));
    expect(secrets.size).toBe(100);
    for (const secret of secrets) expect(Buffer.from(secret.slice(6), 'base64')).toHaveLength(32);
  });
});
