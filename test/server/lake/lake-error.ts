/** The assert.rejects check the lake tests share: a LakeError with this status and a message like this. */
import assert from "node:assert/strict";
import { LakeError } from "../../../server/lake/index.ts";

export function isLakeError(status: number, pattern: RegExp) {
  return (err: unknown) => {
    assert.ok(err instanceof LakeError, `expected a LakeError, got ${err}`);
    assert.equal(err.status, status);
    assert.match(err.message, pattern);
    return true;
  };
}
