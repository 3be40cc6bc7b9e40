import type { PocketContext } from "@magic-pocket/config";
import { containerViews } from "../resources/container-views.js";
import type { DeployReport } from "../resources/resource.js";
import type { DeployRecord, RecordedImage } from "./history-store.js";

/**
 * The images a deploy record names, one per container (docs/decisions.md#e14-deploy-history-and-rollback).
 * `image` is the first container's, as records have always had it; with several
 * `[container.<name>]` (docs/decisions.md#d11-two-spellings-one-schema) `images` has every
 * container's by name, so a rollback puts each back. Records written before `images` existed
 * name the first container only and still read as before.
 */

/** A container of the stage, with the image a record names for it. */
export interface ContainerImage {
  /** The container resource's id (`container`, `container:<name>`). */
  id: string;
  /** Its name in `[container.<name>]`, or `container` for `[awscontainer]`. */
  name: string;
  image: RecordedImage;
}

/** The record's image fields for the images each container resource reported (`imageUri`). */
export function imagesToRecord(
  ctx: PocketContext,
  reports: ReadonlyMap<string, DeployReport>,
): Pick<DeployRecord, "image" | "images"> {
  const images: Record<string, RecordedImage> = {};
  let first: RecordedImage | undefined;
  for (const [i, view] of containerViews(ctx).entries()) {
    const uri = reports.get(view.id)?.outputs?.imageUri;
    if (!uri) continue;
    const image = { uri, digest: uri.slice(uri.indexOf("@") + 1) };
    if (i === 0) first = image;
    if (view.ctx.container?.name) images[view.ctx.container.name] = image;
  }
  return {
    ...(first ? { image: first } : {}),
    ...(Object.keys(images).length > 1 ? { images } : {}),
  };
}

/** Each current container the record names an image for (an old record: the first one only). */
export function recordedImages(ctx: PocketContext, record: DeployRecord): ContainerImage[] {
  return containerViews(ctx).flatMap((view, i) => {
    const name = view.ctx.container?.name;
    const image = (name && record.images?.[name]) || (i === 0 ? record.image : undefined);
    return image ? [{ id: view.id, name: name ?? "container", image }] : [];
  });
}

/** How `pocket history` and `pocket rollback` name a record's images: `web sha256:…, v2 sha256:…`. */
export function imagesText(record: DeployRecord, digestLength?: number): string | undefined {
  const cut = (digest: string) => (digestLength ? digest.slice(0, digestLength) : digest);
  if (record.images && Object.keys(record.images).length > 0)
    return Object.entries(record.images)
      .map(([name, image]) => `${name} ${cut(image.digest)}`)
      .join(", ");
  return record.image ? cut(record.image.digest) : undefined;
}
