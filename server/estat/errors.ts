/** What went wrong talking to e-Stat, in terms a person or a model can act on. */
export type EstatErrorKind =
  | "no_app_id"
  | "auth"
  | "parameter"
  | "not_found"
  | "upstream"
  | "timeout"
  | "unavailable"
  | "bad_response"
  | "aborted"
  /** Too many calls waiting for e-Stat on this server (the fair-share queue is full). */
  | "busy";

export const GET_APP_ID_HINT =
  "Get a free application ID at https://www.e-stat.go.jp/api/ (register, then My Page → アプリケーションID発行) " +
  "and start the server with ESTAT_APP_ID set to it.";

export class EstatError extends Error {
  override name = "EstatError";
  readonly kind: EstatErrorKind;
  /** e-Stat's RESULT.STATUS when the body carried one. */
  readonly estatStatus?: number;
  /** HTTP status of the upstream answer, when there was one. */
  readonly httpStatus?: number;
  /** Whether trying again later may succeed (timeouts, resets, 5xx, e-Stat 2xx statuses). */
  readonly retryable: boolean;
  /** A public error (Koa's shape, see server/errors.ts): the HTTP status that fits this kind. */
  readonly status: number;
  readonly expose = true;

  constructor(
    kind: EstatErrorKind,
    message: string,
    opts: { estatStatus?: number; httpStatus?: number; cause?: unknown } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.kind = kind;
    this.estatStatus = opts.estatStatus;
    this.httpStatus = opts.httpStatus;
    this.retryable = kind === "upstream" || kind === "timeout" || kind === "unavailable";
    this.status = STATUS_OF[kind] ?? 502;
  }
}

const STATUS_OF: Partial<Record<EstatErrorKind, number>> = {
  parameter: 400,
  not_found: 404,
  no_app_id: 503,
  unavailable: 503,
  busy: 503,
  timeout: 504,
  aborted: 499,
};

/** Map e-Stat's RESULT.STATUS (0 and 1 are not errors) to an error with an actionable message. */
export function errorForStatus(status: number, estatMessage: string, httpStatus?: number): EstatError {
  const quoted = estatMessage ? ` e-Stat said: 「${estatMessage}」` : "";
  if (status === 100) {
    return new EstatError(
      "auth",
      `e-Stat rejected the application ID (ESTAT_APP_ID). Check the value issued on your e-Stat My Page. ${GET_APP_ID_HINT}`,
      { estatStatus: status, httpStatus },
    );
  }
  if (status >= 101 && status <= 199) {
    return new EstatError("parameter", `e-Stat rejected a parameter (status ${status}).${quoted}`, {
      estatStatus: status,
      httpStatus,
    });
  }
  if (status === 300 || (status >= 301 && status <= 399)) {
    return new EstatError(
      "not_found",
      `e-Stat has no such data (status ${status}).${quoted} Find table ids with search_stats first.`,
      { estatStatus: status, httpStatus },
    );
  }
  if (status >= 200 && status <= 299) {
    return new EstatError(
      "upstream",
      `e-Stat had a server error (status ${status}).${quoted} Try again later.`,
      {
        estatStatus: status,
        httpStatus,
      },
    );
  }
  return new EstatError("upstream", `e-Stat answered with status ${status}.${quoted}`, {
    estatStatus: status,
    httpStatus,
  });
}
