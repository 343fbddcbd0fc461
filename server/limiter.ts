/**
 * rate-limiter-flexible's memory limiter, imported from its own files: the package's index loads every
 * store it supports (Redis, Mongo, DynamoDB, Postgres, Prisma… 26 modules), which was 17 ms of every
 * cold start for the two classes used here (README, Performance). Types are the package's own.
 */
import type * as Rlf from "rate-limiter-flexible";
import Memory from "rate-limiter-flexible/lib/RateLimiterMemory.js";
import Res from "rate-limiter-flexible/lib/RateLimiterRes.js";

export const RateLimiterMemory = Memory as typeof Rlf.RateLimiterMemory;
export const RateLimiterRes = Res as typeof Rlf.RateLimiterRes;
export type RateLimiterRes = Rlf.RateLimiterRes;
