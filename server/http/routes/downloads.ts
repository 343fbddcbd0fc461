/** GET /datasets/…: the filesystem lake's download links, signed and time-limited, behind the API keys. */
import Router from "@koa/router";
import { verifyDownload } from "../../lake/download.ts";
import { isPublicError } from "../../errors.ts";
import type { Lake } from "../../lake/types.ts";
import { HttpError } from "../errors.ts";

export function downloadRoutes(lake: Lake, signingKey: string): Router {
  const router = new Router();
  router.get(/^\/datasets\/.+/, async (ctx) => {
    let target: { datasetId: string; file: string };
    try {
      target = verifyDownload(ctx.path, ctx.query as Record<string, string>, signingKey);
    } catch (err) {
      throw new HttpError(isPublicError(err) ? err.status : 400, "bad link", {
        success: false,
        error: err instanceof Error ? err.message : "Invalid download link.",
      });
    }
    const file = await lake.openDownload(target.datasetId, target.file).catch((err: unknown) => {
      throw new HttpError(isPublicError(err) ? err.status : 500, "download failed", {
        success: false,
        error: isPublicError(err) ? err.message : "Download failed.",
      });
    });
    ctx.set("Content-Disposition", `attachment; filename="${file.fileName}"`);
    ctx.set("Cache-Control", "private, max-age=0");
    ctx.type = file.contentType;
    ctx.length = file.bytes;
    ctx.body = file.stream;
  });
  return router;
}
