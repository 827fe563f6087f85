/**
 * What a fuzzed request's answer must be. A refusal is a 4xx with a stable code in the route's error
 * shape (`{"error": {"code"}}` as JSON; an ACME problem document with its URN `type`); an accepted
 * request (the mutation left it valid) is a 2xx of the route's own content type. Anything else is
 * a finding: a 5xx, a hang, a dropped connection, or an answer of another shape.
 */
export type RouteKind = 'json' | 'acme' | 'ocsp' | 'crl';

export interface Answer {
  status: number;
  contentType: string;
  text: string;
  /** A HEAD answer: no body to judge, only its status. */
  head?: boolean;
}

export type Verdict =
  | { ok: true; outcome: 'refused'; code: string }
  | { ok: true; outcome: 'accepted'; status: number }
  | { ok: false; finding: 'server error' | 'not JSON' | 'no code' | 'unexpected status' | 'hang' | 'connection failed'; detail: string };

const ACME_TYPE = /^urn:ietf:params:acme:error:[A-Za-z]+$/;
const MEDIA: Record<RouteKind, RegExp> = {
  json: /^application\/json/,
  acme: /^application\/(json|pem-certificate-chain)/,
  ocsp: /^application\/ocsp-response/,
  crl: /^application\/(pkix-crl|x-pem-file)/,
};

function parse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The verdict on one answer of a route of `kind`. */
export function judge(kind: RouteKind, a: Answer): Verdict {
  const head = `${a.status} ${a.contentType} ${a.text.slice(0, 300)}`;
  if (a.status >= 500) return { ok: false, finding: 'server error', detail: head };
  // 2xx, and the 300 of version discovery (GET /): answers, judged by their content type.
  if (a.status >= 200 && a.status < 400) {
    if (a.status === 204 || a.text === '' || MEDIA[kind].test(a.contentType)) {
      // A JSON answer must also parse.
      if (/json/.test(a.contentType) && a.text !== '' && parse(a.text) === undefined) return { ok: false, finding: 'not JSON', detail: head };
      return { ok: true, outcome: 'accepted', status: a.status };
    }
    return { ok: false, finding: 'not JSON', detail: head };
  }
  if (a.status < 200) return { ok: false, finding: 'unexpected status', detail: head };
  if (a.head) return { ok: true, outcome: 'refused', code: `HEAD ${a.status}` };
  const body = parse(a.text);
  if (kind === 'acme' || (kind !== 'json' && /problem\+json/.test(a.contentType))) {
    if (!/^application\/problem\+json/.test(a.contentType) || !isObject(body)) return { ok: false, finding: 'not JSON', detail: head };
    return typeof body.type === 'string' && ACME_TYPE.test(body.type) ? { ok: true, outcome: 'refused', code: body.type.replace('urn:ietf:params:acme:error:', 'acme:') } : { ok: false, finding: 'no code', detail: head };
  }
  if (!/^application\/json/.test(a.contentType) || !isObject(body)) return { ok: false, finding: 'not JSON', detail: head };
  const error = body.error;
  return isObject(error) && typeof error.code === 'string' && error.code !== '' ? { ok: true, outcome: 'refused', code: error.code } : { ok: false, finding: 'no code', detail: head };
}
