// The two rate-limiter-flexible files server/limiter.ts imports directly (CommonJS: module.exports is the class).
declare module "rate-limiter-flexible/lib/RateLimiterMemory.js" {
  const RateLimiterMemory: unknown;
  export default RateLimiterMemory;
}
declare module "rate-limiter-flexible/lib/RateLimiterRes.js" {
  const RateLimiterRes: unknown;
  export default RateLimiterRes;
}
