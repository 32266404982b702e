import { normalizePhone } from '../../src/domain/catalog';

describe('normalizePhone', () => {
  const valid: [string, string][] = [
    ['3001234567', '+57 300 123 4567'],
    ['300 123 4567', '+57 300 123 4567'],
    ['300-123-4567', '+57 300 123 4567'],
    ['300.123.4567', '+57 300 123 4567'],
    ['+57 300 123 4567', '+57 300 123 4567'],
    ['+573001234567', '+57 300 123 4567'],
    ['(+57) 300-123-4567', '+57 300 123 4567'],
    ['573001234567', '+57 300 123 4567'],
    ['0057 300 123 4567', '+57 300 123 4567'],
    ['  315 987 6543  ', '+57 315 987 6543'],
    ['(300) 123 4567', '+57 300 123 4567'],
    ['6012345678', '+57 601 234 5678'],
    ['601 234 5678', '+57 601 234 5678'],
    ['+57 601 2345678', '+57 601 234 5678'],
    ['(601) 234 5678', '+57 601 234 5678'],
    ['604 444 1234', '+57 604 444 1234'],
    ['602 555 0000', '+57 602 555 0000'],
    ['608 123 4567', '+57 608 123 4567'],
    ['601 234 5678 ext. 1234', '+57 601 234 5678 ext. 1234'],
    ['601 234 5678 ext 12', '+57 601 234 5678 ext. 12'],
    ['6012345678 x123', '+57 601 234 5678 ext. 123'],
    ['6012345678x123', '+57 601 234 5678 ext. 123'],
    ['601 234 5678 extensión 1234', '+57 601 234 5678 ext. 1234'],
    ['601 234 5678 Extension 123456', '+57 601 234 5678 ext. 123456'],
    ['+57 601 234 5678, ext: 99', '+57 601 234 5678 ext. 99'],
    ['300 123 4567 EXT. 5', '+57 300 123 4567 ext. 5'],
    // Staff abroad: any valid number with its country code, extensions kept.
    ['+1 212 555 1234', '+1 212 555 1234'],
    ['+1 (212) 555-1234 ext. 12', '+1 212 555 1234 ext. 12'],
    ['+34 600 123 456', '+34 600 12 34 56'],
    ['+58 412 123 4567', '+58 412 1234567'],
    ['0034 600 123 456', '+34 600 12 34 56'],
    ['+44 20 7946 0958', '+44 20 7946 0958'],
  ];

  it.each(valid)('accepts %j as %j', (input, expected) => {
    expect(normalizePhone(input)).toBe(expected);
  });

  const invalid: unknown[] = [
    '',
    '   ',
    '12345',
    '2345678', // old 7-digit landline
    '234 5678',
    '+57 1 2345678', // old Bogotá format
    '601 234 567', // 9 digits
    '30012345678', // 11 digits
    '1234567890', // does not start with 3 or 60
    '6032345678', // 603 is not an area code
    '6092345678',
    '5012345678',
    '+1 212 555 0000 0', // too long for the USA
    '+34 123', // too short
    '+999 123 456 789', // no such country code
    '300123456a',
    'tres cero cero',
    'abc',
    '300 123 4567 ext. 1234567', // extension too long
    '300 123 4567 ext.',
    '300+123 4567',
    '+57 +57 300 123 4567',
    '300/123/4567',
    '3'.repeat(10_000),
    null,
    undefined,
    3001234567,
    ['3001234567'],
    { phone: '3001234567' },
  ];

  it.each(invalid.map((v) => [v]))('rejects %p', (input) => {
    expect(normalizePhone(input)).toBeNull();
  });

  it('returns the same normalized form for every way of writing one number', () => {
    const forms = ['3001234567', '300 123 4567', '+57 300 123 4567', '(+57) 300-123-4567'];
    expect(new Set(forms.map(normalizePhone)).size).toBe(1);
  });

  it('accepts its own output again unchanged', () => {
    for (const [, normalized] of valid) {
      expect(normalizePhone(normalized)).toBe(normalized);
    }
  });
});
