import { describe, expect, it } from "vitest";
import { DomainError } from "../core/errors";
import {
  BUILTIN_RULES,
  type BuiltinRule,
  compileRedaction,
  luhnValid,
  nestedUnboundedQuantifier,
  type RedactionConfig,
  redactText,
  validateRedactionConfig,
} from "./redaction";

const only = (rule: BuiltinRule) => compileRedaction({ builtins: [rule], custom: [] });
const all = compileRedaction({ builtins: [...BUILTIN_RULES], custom: [] });
const text = (redactor: ReturnType<typeof only>, s: string) => redactText(s, redactor).text;

/** Appends the Luhn check digit to a digit prefix. */
function withCheckDigit(prefix: string): string {
  for (let d = 0; d <= 9; d++) if (luhnValid(`${prefix}${d}`)) return `${prefix}${d}`;
  throw new Error("unreachable");
}

/** Expects every positive to be fully replaced by the rule's marker and every negative untouched (with all builtins on). */
function expectRule(rule: BuiltinRule, positives: string[], negatives: string[]) {
  const r = only(rule);
  for (const p of positives) expect(text(r, `x ${p} y`), p).toBe(`x [REDACTED:${rule}] y`);
  for (const n of negatives) expect(text(all, n), n).toBe(n);
}

describe("builtin rules", () => {
  it("email: redacts addresses, leaves handles, package specs and hostless addresses", () => {
    expectRule(
      "email",
      ["a@b.co", "john.doe+tag@mail.example.co.uk", "first_last%x@sub-domain.example.org", "UPPER@EXAMPLE.COM", "x1@a-b.io"],
      ["@username said hi", "npm i lodash@4.17.21", "import '@types/node'", "user@localhost", "a @ b.com", "foo@", "@@", "x@-bad.com"],
    );
    expect(text(all, "<mailto:a@b.co>, then a@b.co.")).toBe("<mailto:[REDACTED:email]>, then [REDACTED:email].");
  });

  it("phone: redacts international and common US/EU forms", () => {
    expectRule(
      "phone",
      [
        "+1 (415) 555-2671",
        "+14155552671",
        "+44 20 7946 0958",
        "+49-30-1234567",
        "+33 6 12 34 56 78",
        "(415) 555-2671",
        "415-555-2671",
        "415.555.2671",
        "1-800-555-1234",
        "020 7946 0958",
        "06 12 34 56 78",
        "030/12345678",
      ],
      [],
    );
  });

  it("phone: leaves years, plain numbers, versions, dates, times and number lists alone", () => {
    for (const n of [
      "in 2024 we had 12345 users",
      "version 1.2.3 and v10.20.30",
      "released 2026-11-26 at 12:30:45",
      "on 03.04.2024 15 users came",
      "dates 01/02/2024 and 2024/01/02",
      "sizes 128 256 1024",
      "total 1,234,567,890 tokens",
      "id 4155552671 in a bare run",
      "+12345 is short",
      "scores 0.5 0.25 0.125",
      "1+2=3 and 5-3=2",
      "groups 1234 0123 4567 89 and 12 345-678-9012",
      "0000 0000 0000",
    ]) {
      expect(text(all, n), n).toBe(n);
    }
  });

  it("credit_card: redacts Luhn-valid numbers in common groupings", () => {
    const nineteen = withCheckDigit("601100000000000000");
    expect(nineteen).toHaveLength(19);
    expectRule(
      "credit_card",
      ["4111111111111111", "4111 1111 1111 1111", "5555-5555-5555-4444", "3782 822463 10005", "4222222222222", nineteen],
      [],
    );
    // A trailing CVC or quantity does not hide the number in front of it.
    expect(text(only("credit_card"), "card 4242 4242 4242 4242 123 ok")).toBe("card [REDACTED:credit_card] 123 ok");
    expect(text(only("credit_card"), "4111-1111-1111-1111, 5555555555554444")).toBe("[REDACTED:credit_card], [REDACTED:credit_card]");
  });

  it("credit_card: leaves Luhn-invalid, too short, too long and repeated-digit numbers", () => {
    expect(luhnValid("4111111111111112")).toBe(false);
    for (const n of [
      "4111 1111 1111 1112",
      "order 1234567890123456",
      "4111 1111 111",
      `${withCheckDigit("4111111111111111111")}`, // 20 digits
      "0000 0000 0000 0000",
      "ISBN 978-0-306-40615-7",
      "trace 4111111111111111abc",
    ]) {
      expect(text(all, n), n).toBe(n);
    }
  });

  it("api_key: redacts provider key shapes", () => {
    expectRule(
      "api_key",
      [
        "sk-abc123DEF456ghi789JKL0",
        "sk-proj-Ab3dEf6hIj9lMn2pQr5tUv8x",
        `sk_${"A1b2".repeat(10)}Z9_`,
        `pk_${"a-Bc_9".repeat(7)}`,
        "sk_live_51HqLyjAbCdEf",
        "sk_test_4eC39HqLyjWDarjtT1zdp7dc",
        "pk_live_abcdefgh1234",
        "AKIAIOSFODNN7EXAMPLE",
        `ghp_${"a1B2".repeat(9)}`,
        `gho_${"Z9y8".repeat(9)}`,
        `github_pat_11ABCDEFG0${"x".repeat(40)}`,
        "xoxb-123456789012-abcdefABCDEF",
        "xoxp-1234-5678-abcdef",
        `AIza${"Sy_A-9b".repeat(5)}`,
      ],
      [],
    );
    expect(text(all, "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig_nature")).toBe(
      "Authorization: Bearer [REDACTED:api_key]",
    );
    expect(text(all, "bearer  abcdefghijklmnopqrstuvwxyz+/==")).toBe("bearer  [REDACTED:api_key]");
    // A bearer credential needs no entropy check, even in a Keel key shape.
    expect(text(all, "Bearer sk_all_lowercase_but_long")).toBe("Bearer [REDACTED:api_key]");
  });

  it("api_key: leaves identifiers, prose and short or truncated tokens", () => {
    for (const n of [
      "sk-learn is a library",
      "column pk_user_organization_identifier",
      "sk_short_id",
      "sk-this-is-a-long-hyphenated-phrase",
      "AKIA1234",
      "the bearer of this letter",
      "Bearer short",
      "AIzaTooShort",
      "ghp_abc",
      "xoxb-short",
      "task-abcdefghijklmnopqrstuvwxyz1",
    ]) {
      expect(text(all, n), n).toBe(n);
    }
  });

  it("ip_address: redacts IPv4 quads and full IPv6, leaves versions and out-of-range quads", () => {
    expectRule(
      "ip_address",
      ["192.168.1.1", "10.0.0.255", "8.8.8.8", "255.255.255.0", "2001:0db8:85a3:0000:0000:8a2e:0370:7334"],
      ["256.1.1.1", "v1.2.3.4", "1.2.3", "1.2.3.4.5", "01.02.03.04", "std::vector at 12:30:45", "aa:bb:cc:dd:ee:ff"],
    );
    expect(text(all, "from 10.1.2.3.")).toBe("from [REDACTED:ip_address].");
  });
});

describe("compileRedaction", () => {
  it("walks chat messages, keeps keys and non-strings, and counts redactions", () => {
    const input = {
      messages: [
        { role: "user", content: "mail me at a@b.co or call +1 415 555 2671" },
        { role: "assistant", content: "ok", tokens: 12, cached: false, extra: null },
      ],
      "a@b.co": "key kept, value redacted: c@d.io",
    };
    const r = all(input);
    expect(r.value).toEqual({
      messages: [
        { role: "user", content: "mail me at [REDACTED:email] or call [REDACTED:phone]" },
        { role: "assistant", content: "ok", tokens: 12, cached: false, extra: null },
      ],
      "a@b.co": "key kept, value redacted: [REDACTED:email]",
    });
    expect(r.redactions).toBe(3);
    expect(compileRedaction({ builtins: ["email"], custom: [] })([{ role: "user", content: "mail me at a@b.co" }])).toEqual({
      value: [{ role: "user", content: "mail me at [REDACTED:email]" }],
      redactions: 1,
    });
  });

  it("handles scalars and leaves unmatched values equal", () => {
    expect(all("a@b.co")).toEqual({ value: "[REDACTED:email]", redactions: 1 });
    for (const v of [42, true, null, undefined, "plain text", [], {}]) expect(all(v)).toEqual({ value: v, redactions: 0 });
  });

  it("never mutates its input and returns new containers", () => {
    const input = { a: ["x@y.co", { b: "sk-abc123DEF456ghi789JKL0" }], n: 1 };
    const snapshot = structuredClone(input);
    const out = all(input).value as typeof input;
    expect(input).toEqual(snapshot);
    expect(out).not.toBe(input);
    expect(out.a).not.toBe(input.a);
    expect(out.a[1]).not.toBe(input.a[1]);
    expect(Object.isFrozen(input)).toBe(false);
  });

  it("keeps a JSON __proto__ key as data", () => {
    const input = JSON.parse('{"__proto__": {"polluted": "a@b.co"}}') as object;
    const out = all(input).value as Record<string, unknown>;
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.hasOwn(out, "__proto__")).toBe(true);
    expect(JSON.stringify(out)).toBe('{"__proto__":{"polluted":"[REDACTED:email]"}}');
  });

  it("applies custom rules with flags, named by the rule", () => {
    const r = compileRedaction({
      builtins: ["email"],
      custom: [
        { name: "employee_id", pattern: "emp-\\d{6}", flags: "i" },
        { name: "codename", pattern: "^project .+$", flags: "m" },
      ],
    });
    const out = r("EMP-123456 and emp-654321 on\nproject bluebird\nfor a@b.co");
    expect(out.value).toBe("[REDACTED:employee_id] and [REDACTED:employee_id] on\n[REDACTED:codename]\nfor [REDACTED:email]");
    expect(out.redactions).toBe(4);
  });

  it("merges overlapping matches into one redaction and does not re-redact markers", () => {
    const r = compileRedaction({
      builtins: ["email"],
      custom: [
        { name: "domain", pattern: "example\\.com[/\\w]*" },
        { name: "marker", pattern: "REDACTED" },
      ],
    });
    // The email starts first; the overlapping domain match extends the span instead of leaking "/path".
    expect(r("to jo@example.com/path now")).toEqual({ value: "to [REDACTED:email] now", redactions: 1 });
    expect(r("word REDACTED")).toEqual({ value: "word [REDACTED:marker]", redactions: 1 });
  });

  it("is reusable across calls (no shared regex state)", () => {
    for (let i = 0; i < 3; i++) expect(all("a@b.co and c@d.co").redactions).toBe(2);
  });

  it("stays fast on adversarial 100 KB inputs", () => {
    const inputs = [
      `${"a".repeat(100_000)}@`,
      "1".repeat(100_000),
      "1 ".repeat(50_000),
      "1234 ".repeat(20_000),
      "+1".repeat(50_000),
      `a@${"b.".repeat(50_000)}`,
      "sk-".repeat(33_000),
      "1.".repeat(50_000),
      "0 1".repeat(33_000),
      "Bearer ".repeat(14_000),
      "a@".repeat(50_000),
      "-".repeat(100_000),
    ];
    for (const s of inputs) {
      const out = all(s).value as string;
      expect(out.length).toBeGreaterThan(s.length / 2);
      expect(out.length).toBeLessThan(s.length * 2);
    }
  }, 5_000);
});

describe("validateRedactionConfig", () => {
  const config = (custom: RedactionConfig["custom"]): RedactionConfig => ({ builtins: ["email"], custom });
  const rejects = (custom: RedactionConfig["custom"], message: RegExp) => {
    expect(() => validateRedactionConfig(config(custom))).toThrow(message);
    expect(() => compileRedaction(config(custom))).toThrow(DomainError);
  };

  it("accepts a valid config", () => {
    expect(() => validateRedactionConfig(config([{ name: "ticket-id_2", pattern: "TCK-\\d+", flags: "imsu" }]))).not.toThrow();
  });

  it("rejects patterns that do not compile, naming the rule", () => {
    rejects([{ name: "broken", pattern: "a(b" }], /"broken".*does not compile/);
    rejects([{ name: "dup_flag", pattern: "a", flags: "ii" }], /"dup_flag".*does not compile/);
  });

  it("rejects bad names", () => {
    rejects([{ name: "Bad Name", pattern: "x" }], /"Bad Name".*name/);
    rejects([{ name: "", pattern: "x" }], /name/);
    rejects([{ name: "x".repeat(41), pattern: "x" }], /name/);
    rejects(
      [
        { name: "twice", pattern: "x" },
        { name: "twice", pattern: "y" },
      ],
      /"twice" is defined twice/,
    );
  });

  it("rejects patterns that match the empty string", () => {
    for (const pattern of ["", "a*", "(x)?", "|a", "^"]) rejects([{ name: "empty", pattern }], /"empty".*empty string/);
  });

  it("rejects flags other than i, m, s, u", () => {
    for (const flags of ["g", "y", "d", "v", "ix"]) rejects([{ name: "flagged", pattern: "x", flags }], /"flagged".*flag/);
  });

  it("rejects nested unbounded quantifiers", () => {
    for (const pattern of ["(a+)+$", "(?:\\w+\\s?)*x", "(x*y){2,}", "((ab)+c)*d"]) {
      rejects([{ name: "redos", pattern }], /"redos".*exponential/);
    }
    for (const pattern of ["(?:\\d{3}-)+\\d", "[(+)]+x", "a+b*c", "\\(a+\\)+", "(ab)+"])
      expect(nestedUnboundedQuantifier(pattern), pattern).toBe(false);
  });

  it("caps the number of rules and the pattern length", () => {
    const many = Array.from({ length: 51 }, (_, i) => ({ name: `r${i}`, pattern: "x" }));
    expect(() => validateRedactionConfig(config(many.slice(0, 50)))).not.toThrow();
    rejects(many, /At most 50/);
    rejects([{ name: "long", pattern: "x".repeat(501) }], /"long".*longer than 500/);
  });

  it("rejects unknown builtins", () => {
    expect(() => validateRedactionConfig({ builtins: ["ssn" as BuiltinRule], custom: [] })).toThrow(/"ssn"/);
  });
});
