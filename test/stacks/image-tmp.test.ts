import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { cleanRun, json, one } from "./harness.ts";

/** The paths the Dockerfile's last stage declares with VOLUME (JSON or plain form). */
function lastStageVolumes(): string[] {
  const dockerfile = readFileSync(join(import.meta.dirname, "../../Dockerfile"), "utf8");
  const last = dockerfile.split(/^FROM .*$/m).at(-1) ?? "";
  return [...last.matchAll(/^VOLUME\s+(.+)$/gm)].flatMap(([, v]) =>
    v.trim().startsWith("[") ? (JSON.parse(v) as string[]) : v.trim().split(/\s+/),
  );
}

// Regression: on Fargate the task's /tmp (an empty bind mount under a read-only root) was root-owned
// 0755, because ECS copies an image's ownership and mode into a mount only for paths the image declares
// as a VOLUME; uid 1000 could not mkdtemp there and every save_dataset to S3 failed.
describe("the image and the task definition agree on /tmp (Dockerfile VOLUME, ECS mount points)", () => {
  it("declares /tmp as a VOLUME in the image's last stage, before it drops to the node user", () => {
    assert.deepEqual(lastStageVolumes(), ["/tmp"]);
    const last = readFileSync(join(import.meta.dirname, "../../Dockerfile"), "utf8").split(/^FROM .*$/m).at(-1) ?? "";
    assert.ok(last.indexOf('VOLUME ["/tmp"]') < last.indexOf("USER node"));
  });

  for (const stack of ["dev", "prod"]) {
    it(`${stack}: every writable mount of the non-root, read-only task is a VOLUME of the image`, async () => {
      const run = await cleanRun(stack);
      const td = one(run, "aws:ecs/taskDefinition:TaskDefinition");
      const [c] = json(td.inputs.containerDefinitions);
      assert.equal(c.readonlyRootFilesystem, true);
      assert.notEqual(String(c.user).split(":")[0], "0");
      const writable = (c.mountPoints as { containerPath: string; readOnly: boolean }[]).filter((m) => !m.readOnly);
      assert.deepEqual(
        writable.map((m) => m.containerPath),
        ["/tmp"],
      );
      for (const m of writable) assert.ok(lastStageVolumes().includes(m.containerPath), `${m.containerPath} is a VOLUME`);
      // A task-scoped bind mount (no host path, no EFS): the kind ECS initialises from the image's VOLUME.
      assert.deepEqual(td.inputs.volumes, [{ name: "tmp" }]);
    });
  }
});
