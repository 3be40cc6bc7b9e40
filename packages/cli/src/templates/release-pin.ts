import type { CloudFrontContext } from "@magic-pocket/config";
import { releasePinFunction } from "../cloudfront/functions/index.js";
import { cfn, type Json, type TemplateResource } from "./template.js";

/**
 * The viewer-response function that pins a viewer to the release of the page it loaded
 * (docs/decisions.md#e17-atomic-front-end-releases). One function serves every route with
 * releases (its code names no route), associated beside the route's viewer-request function:
 * CloudFront allows one function per event type on a behaviour, and pocket makes no other
 * viewer-response function.
 */
export const RELEASE_PIN_ID = "ReleasePinFunction";

export function releasePinResource(cf: CloudFrontContext): TemplateResource {
  return {
    Type: "AWS::CloudFront::Function",
    Properties: {
      Name: `${cf.slug}-release-pin`.slice(0, 64),
      AutoPublish: true,
      FunctionCode: releasePinFunction(),
      FunctionConfig: { Comment: "release cookie on HTML answers", Runtime: "cloudfront-js-2.0" },
    },
  };
}

/** The association a behaviour of a route with releases adds after its viewer-request one. */
export function releasePinAssociation(): Json {
  return { EventType: "viewer-response", FunctionARN: cfn.getAtt(RELEASE_PIN_ID, "FunctionARN") };
}
