/**
 * The stage with everything (issue 11 item 22): a managed VPC with two zones and EFS, Aurora, an
 * SQS worker, two CloudFront distributions (an SPA with static files and the API, and signed
 * media). Shared by the template test and the end-to-end test on moto.
 */
export const FULL_STAGE = `
[general]
region = "ap-northeast-1"
project_name = "full"
stages = ["dev"]

[s3]

[vpc]
ref = "full"
zone_suffixes = ["a", "c"]
efs = {}

[rds]

[awscontainer]
dockerfile_path = "pocket.Dockerfile"

[awscontainer.secrets.managed]
SECRET_KEY = { type = "password", options = { length = 50 } }
CF_MEDIA_KEY = { type = "cloudfront_signing_key" }

[awscontainer.handlers.wsgi]
command = "pocket.django.lambda_handlers.wsgi_handler"
apigateway = {}

[awscontainer.handlers.management]
command = "pocket.django.lambda_handlers.management_command_handler"
timeout = 600
sqs = { batch_size = 5 }

[awscontainer.django.storages]
default = { store = "s3", location = "uploads", distribution = "media" }
staticfiles = { store = "s3", location = "static", static = true, manifest = true, distribution = "main" }

[awscontainer.django.caches]
default = { store = "efs" }

[cloudfront.main]
origin_path = "/spa"
routes = [
  { is_default = true, is_spa = true },
  { path_pattern = "/static/*", is_versioned = true },
  { path_pattern = "/api/*", type = "api", handler = "wsgi" },
]

[cloudfront.media]
origin_path = "/media"
signing_key = "CF_MEDIA_KEY"
routes = [{ is_default = true, signed = true }]
`;
