"""moto's server, with three additions for the tests.

1. A wire-format fix: moto 5 answers CodeBuild's StartBuild, BatchGetBuilds and StopBuild with
   ISO-8601 strings for startTime/endTime, where the real JSON API sends epoch seconds; the AWS
   SDK for JavaScript rejects those answers ("Expected real number"). The three handlers are
   wrapped to send what CodeBuild sends. moto still runs no builds.
2. A way to reach a state moto never produces: every stack creation succeeds in moto, but on AWS
   a failed creation leaves the stack in ROLLBACK_COMPLETE, which only deletion clears. A
   template whose Metadata has ``PocketTestFailCreate: <reason>`` ends that way, with the
   CREATE_FAILED event AWS would record, so the tests can drive pocket's recovery.
3. CodeBuild's UpdateProject, which moto does not implement: the fields pocket sends replace
   the stored ones, as the API reference describes; an unknown project is
   ResourceNotFoundException.
4. CloudFront resources in CloudFormation, which moto's CloudFormation does not create (it
   leaves them out, and outputs that refer to them with them): each CloudFront type pocket's
   templates use gets a stand-in with an id in CloudFront's shape and the attributes the
   templates read (DomainName, FunctionARN, Arn, ...), so a stage with distributions deploys,
   redeploys and is destroyed end to end. Nothing is served; CloudFront's own API is not
   involved.
5. Deletion of the VPC stack's network resources, which moto's CloudFormation skips (it has no
   delete for route tables, subnet associations, NAT and internet gateways, their attachment and
   Elastic IPs), so the VPC itself then fails with DependencyViolation. Each gets the deletion
   CloudFormation performs; moto's own retry passes take care of the order.
6. `Ref` of an `AWS::EFS::AccessPoint`, which is its id on AWS (`fsap-...`); moto hands the
   Python object to `Fn::Sub` instead, so an ARN built from it would hold its repr.
7. WAFv2 resources in CloudFormation (`AWS::WAFv2::IPSet`, `AWS::WAFv2::WebACL`), which moto's
   CloudFormation does not model although moto's WAFv2 API exists: each is created in moto's
   WAFv2 backend (CLOUDFRONT scope in its global region, as the API does), so `pocket waf ip`
   edits the set a deploy made, and a stack deletion deletes them. A ByteMatchStatement's
   `SearchString` is text in CloudFormation but a blob in the WAFv2 API (base64 on the wire): it
   is stored base64-encoded, as the API hands it back, so GetWebACL reads the template's text.
8. `NoEcho` parameters read back as `****` from DescribeStacks, as on AWS; moto 5 compares the
   parameter's value instead of its key with the NoEcho keys, so it shows them in clear.
10. CloudWatch alarms in CloudFormation (`AWS::CloudWatch::Alarm`), which moto's CloudFormation
   does not model although moto's CloudWatch API exists: each is put in moto's CloudWatch
   backend (PutMetricAlarm with the template's properties), so DescribeAlarms and
   SetAlarmState see the alarms a deploy made, and a stack deletion deletes them.
9. A Lambda function's `TracingConfig` from CloudFormation (X-Ray active tracing), which moto's
   CloudFormation leaves out on create and update: the function's configuration then reads
   back the mode the template set, as on AWS.
11. One line per request in the request recording. moto's recorder appends each request from
   the thread that serves it, writing the JSON and then its newline; an entry over the file
   buffer (a template body) is written in parts, so with the concurrent calls a deploy makes
   two entries could share a line and the recording could not be parsed. Entries are written
   one at a time.
12. EventBridge Scheduler in CloudFormation (`AWS::Scheduler::ScheduleGroup`,
   `AWS::Scheduler::Schedule`), which moto's CloudFormation does not model although moto's
   Scheduler API exists: each is created in moto's Scheduler backend with the template's
   properties (an update puts the new ones, a stack deletion deletes it), so GetSchedule and
   ListSchedules see the schedules a deploy made. Nothing is ever started on a schedule.
13. AWS Backup in CloudFormation (`AWS::Backup::BackupPlan`, `AWS::Backup::BackupSelection`),
   which moto's CloudFormation does not model: a plan is created in moto's Backup backend (its
   rules' vault must exist, as on AWS; an update keeps its id; a deletion frees its name), and a
   selection is kept here, with ListBackupSelections and GetBackupSelection to read it. moto's
   Backup API has no jobs and no recovery points either: StartBackupJob leaves a finished job's
   recovery point at once, which ListRecoveryPointsByResource lists and DeleteRecoveryPoint
   deletes; the job itself (COMPLETED) is read back by DescribeBackupJob and ListBackupJobs.
   Nothing is ever backed up on a schedule.
14. ECR's PutImage of a new image under a tag another image has, in a repository with mutable
   tags: on AWS the tag moves and the other image stays, untagged, until deleted (pocket sets no
   lifecycle policy, so `pocket rollback` finds earlier digests); moto deletes it. The tag is
   taken off the other image before moto's PutImage, so it stays.
15. Aurora DSQL beyond moto's CreateCluster/GetCluster/DeleteCluster/ListTagsForResource: the
   stage's region (moto serves DSQL in us-east-1 and us-east-2 only, AWS in ap-northeast-1 too),
   ListClusters (identifier and ARN, as the API lists them), UpdateCluster of deletion
   protection, DeleteCluster refused while deletion protection is on (a ValidationException, as
   on AWS; moto deletes), and the endpoint in AWS's shape `{id}.dsql.{region}.on.aws` (moto
   leaves out `.dsql`). Nothing listens on the endpoint.
16. CreateInvalidation on a distribution a CloudFormation stand-in (4.) made: moto's CloudFront
   API does not know it and answers NoSuchDistribution. The invalidation is recorded as moto
   records one on its own distributions (COMPLETED at once), so ListInvalidations shows what a
   deploy invalidated. A distribution id no stand-in made is still moto's NoSuchDistribution.
17. An HTTP API's custom domain in CloudFormation (`AWS::ApiGatewayV2::DomainName`, the
   original's API domains), which moto's CloudFormation does not model: a stand-in whose id is
   the domain, with `RegionalDomainName` and `RegionalHostedZoneId` (StandInApiDomainName).
"""

import json
import random
import string
import sys
import threading
from datetime import datetime

from moto.cloudformation.models import Event, Stack
from moto.core.common_models import CloudFormationModel
from moto.codebuild.responses import CodeBuildResponse
from moto.server import main

TIME_FIELDS = ("startTime", "endTime")


def _epoch(value):
    if isinstance(value, str):
        return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    return value


def _fix_build(build):
    build = dict(build)
    for field in TIME_FIELDS:
        if field in build:
            build[field] = _epoch(build[field])
    build["phases"] = [
        {k: (_epoch(v) if k in TIME_FIELDS else v) for k, v in phase.items()}
        for phase in build.get("phases", [])
    ]
    return build


def _wrap(name, key, many):
    original = getattr(CodeBuildResponse, name)

    def handler(self):
        body = json.loads(original(self))
        if many:
            body[key] = [_fix_build(b) for b in body.get(key, [])]
        elif body.get(key):
            body[key] = _fix_build(body[key])
        return json.dumps(body)

    setattr(CodeBuildResponse, name, handler)


def _update_project(self):
    from moto.codebuild.exceptions import ResourceNotFoundException

    name = self._get_param("name")
    project = self.codebuild_backend.codebuild_projects.get(name)
    if project is None:
        raise ResourceNotFoundException(f"Project cannot be found: {name}")
    meta = project.project_metadata
    for field in ("description", "source", "artifacts", "environment", "serviceRole", "timeoutInMinutes"):
        value = self._get_param(field)
        if value is not None:
            meta[field] = value
    if self._get_param("serviceRole"):
        project.service_role = self._get_param("serviceRole")
    meta["lastModifiedDate"] = datetime.now().timestamp()
    return json.dumps({"project": meta})


CodeBuildResponse.update_project = _update_project

_wrap("start_build", "build", False)
_wrap("stop_build", "build", False)
_wrap("batch_get_builds", "builds", True)

_create_resources = Stack.create_resources


def _create_resources_or_fail(self):
    reason = (self.template_dict.get("Metadata") or {}).get("PocketTestFailCreate")
    if not reason:
        return _create_resources(self)
    self.status = "CREATE_IN_PROGRESS"
    self._add_stack_event("CREATE_IN_PROGRESS", resource_status_reason="User Initiated")
    logical_id, resource = next(iter(self.template_dict.get("Resources", {}).items()))
    self.events.append(
        Event(
            stack_id=self.stack_id,
            stack_name=self.name,
            logical_resource_id=logical_id,
            physical_resource_id="",
            resource_type=resource.get("Type", "AWS::CloudFormation::WaitConditionHandle"),
            resource_status="CREATE_FAILED",
            resource_status_reason=reason,
            resource_properties=None,
        )
    )
    self._add_stack_event("ROLLBACK_IN_PROGRESS", resource_status_reason="The following resource(s) failed to create.")
    self._add_stack_event("ROLLBACK_COMPLETE")
    self.status = "ROLLBACK_COMPLETE"


Stack.create_resources = _create_resources_or_fail


def _parameter_list(self):
    hidden = self.resource_map.no_echo_parameter_keys
    return [
        {"ParameterKey": k, "ParameterValue": "****" if k in hidden else v}
        for k, v in self.resource_map.resolved_parameters.items()
    ]


Stack.parameter_list = property(_parameter_list)


def _cloudfront_id(prefix="E"):
    return prefix + "".join(random.choices(string.ascii_uppercase + string.digits, k=13))


class _AttributeTable:
    """`Fn::GetAtt` answered from the class's ATTRIBUTES table (name -> function of the resource)."""

    ATTRIBUTES = {}

    @staticmethod
    def cloudformation_name_type():
        return ""

    @classmethod
    def has_cfn_attr(cls, attr):
        return attr in cls.ATTRIBUTES

    def get_cfn_attribute(self, attr):
        if attr not in self.ATTRIBUTES:
            from moto.cloudformation.exceptions import UnformattedGetAttTemplateException

            raise UnformattedGetAttTemplateException()
        return self.ATTRIBUTES[attr](self)


class _CloudFrontStandIn(_AttributeTable):
    """The part every stand-in shares: an id, attributes, and no-op update and delete."""

    def __init__(self, account_id, region_name, name, properties):
        self.account_id = account_id
        self.region_name = region_name
        self.name = name
        self.properties = properties
        self.id = self.new_id()

    def new_id(self):
        return _cloudfront_id()

    @property
    def physical_resource_id(self):
        return self.id

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        return cls(account_id, region_name, resource_name, cloudformation_json.get("Properties", {}))

    @classmethod
    def update_from_cloudformation_json(
        cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name
    ):
        # CloudFront updates these in place: the id (and so every Ref to it) stays.
        original_resource.properties = cloudformation_json.get("Properties", {})
        return original_resource

    @classmethod
    def delete_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name):
        pass


def _arn(kind):
    return lambda r: f"arn:aws:cloudfront::{r.account_id}:{kind}/{r.id}"


_STAND_INS = {
    "AWS::CloudFront::Distribution": {
        "Id": lambda r: r.id,
        "DomainName": lambda r: f"d{r.id.lower()[1:]}.cloudfront.net",
    },
    "AWS::CloudFront::OriginAccessControl": {"Id": lambda r: r.id},
    "AWS::CloudFront::ResponseHeadersPolicy": {"Id": lambda r: r.id},
    "AWS::CloudFront::CachePolicy": {"Id": lambda r: r.id},
    "AWS::CloudFront::OriginRequestPolicy": {"Id": lambda r: r.id},
    "AWS::CloudFront::PublicKey": {"Id": lambda r: r.id},
    "AWS::CloudFront::KeyGroup": {"Id": lambda r: r.id},
    "AWS::CloudFront::Function": {
        "FunctionARN": _arn("function"),
        "FunctionMetadata.FunctionARN": _arn("function"),
        "Stage": lambda r: "LIVE",
    },
    "AWS::CloudFront::KeyValueStore": {
        "Id": lambda r: r.id,
        "Arn": _arn("key-value-store"),
        "Status": lambda r: "READY",
    },
}

for _type, _attributes in _STAND_INS.items():
    # A direct subclass of CloudFormationModel: moto's CloudFormation finds its models that way.
    type(
        "StandIn" + _type.split("::")[-1],
        (_CloudFrontStandIn, CloudFormationModel),
        {"ATTRIBUTES": _attributes, "cloudformation_type": staticmethod(lambda t=_type: t)},
    )


class StandInApiDomainName(_CloudFrontStandIn, CloudFormationModel):
    """17. An HTTP API's custom domain in CloudFormation (`AWS::ApiGatewayV2::DomainName`), which
    moto's CloudFormation does not model: its id is the domain, as on AWS, with the regional
    domain and hosted zone the alias record reads. Nothing is served; moto's API Gateway is not
    involved."""

    __module__ = "moto.apigatewayv2.pocket_stand_in"
    ATTRIBUTES = {
        "RegionalDomainName": lambda r: f"d-{_digest(r.id)}.execute-api.{r.region_name}.amazonaws.com",
        # API Gateway's regional hosted zone in ap-northeast-1 (the tests' region).
        "RegionalHostedZoneId": lambda r: "Z1YSHQZHG15GKL",
    }

    @staticmethod
    def cloudformation_type():
        return "AWS::ApiGatewayV2::DomainName"

    def new_id(self):
        return self.properties.get("DomainName") or _cloudfront_id()


def _digest(text):
    import hashlib

    return hashlib.sha256(text.encode()).hexdigest()[:10]



def _waf_backend(account_id, region_name, scope):
    from moto.wafv2.models import GLOBAL_REGION, wafv2_backends

    return wafv2_backends[account_id][GLOBAL_REGION if scope == "CLOUDFRONT" else region_name]


class _StandInLifecycle:
    """A stand-in made from its template properties (`cls(account, region, properties)`), which an
    update hands the new properties and `apply()`s."""

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        return cls(account_id, region_name, cloudformation_json.get("Properties", {}))

    @classmethod
    def update_from_cloudformation_json(
        cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name
    ):
        original_resource.properties = cloudformation_json.get("Properties", {})
        original_resource.apply()
        return original_resource


class _WafStandIn(_StandInLifecycle, _AttributeTable):
    """Creates the WAFv2 object through moto's backend; Ref and GetAtt read it back."""

    ATTRIBUTES = {"Arn": lambda r: r.obj.arn, "Id": lambda r: r.obj_id}

    def __init__(self, account_id, region_name, properties):
        self.account_id = account_id
        self.region_name = region_name
        self.properties = properties
        self.scope = properties.get("Scope", "REGIONAL")
        self.backend = _waf_backend(account_id, region_name, self.scope)
        self.obj = self.make()

    @property
    def physical_resource_id(self):
        # AWS: "name|id|scope".
        return f"{self.obj.name}|{self.obj_id}|{self.scope}"


class StandInIPSet(_WafStandIn, CloudFormationModel):
    # moto files models by the second part of their module name.
    __module__ = "moto.wafv2.pocket_stand_in"

    @staticmethod
    def cloudformation_type():
        return "AWS::WAFv2::IPSet"

    @property
    def obj_id(self):
        return self.obj.ip_set_id

    def make(self):
        p = self.properties
        return self.backend.create_ip_set(
            name=p["Name"],
            scope=self.scope,
            description=p.get("Description", ""),
            ip_address_version=p["IPAddressVersion"],
            addresses=list(p.get("Addresses", [])),
            tags=[],
        )

    def apply(self):
        # An update sets the addresses the template holds, as CloudFormation does.
        self.obj.update(self.properties.get("Description"), list(self.properties.get("Addresses", [])))

    def delete(self, account_id, region_name):
        self.backend.delete_ip_set(self.obj.name, self.scope, self.obj.ip_set_id, self.obj.lock_token)


def _api_rules(rules):
    """The template's rules as the WAFv2 API holds them: each SearchString base64-encoded."""
    import base64

    def convert(value):
        if isinstance(value, list):
            return [convert(v) for v in value]
        if not isinstance(value, dict):
            return value
        out = {k: convert(v) for k, v in value.items()}
        match = out.get("ByteMatchStatement")
        if isinstance(match, dict) and isinstance(match.get("SearchString"), str):
            encoded = base64.b64encode(match["SearchString"].encode()).decode()
            out["ByteMatchStatement"] = {**match, "SearchString": encoded}
        return out

    return convert(rules)


class StandInWebACL(_WafStandIn, CloudFormationModel):
    # moto files models by the second part of their module name.
    __module__ = "moto.wafv2.pocket_stand_in"

    @staticmethod
    def cloudformation_type():
        return "AWS::WAFv2::WebACL"

    @property
    def obj_id(self):
        return self.obj.id

    def make(self):
        p = self.properties
        return self.backend.create_web_acl(
            name=p["Name"],
            visibility_config=p["VisibilityConfig"],
            default_action=p["DefaultAction"],
            scope=self.scope,
            description=p.get("Description", ""),
            tags=[],
            rules=_api_rules(p.get("Rules", [])),
            association_config=None,
            captcha_config=None,
            challenge_config=None,
            custom_response_bodies=None,
            token_domains=None,
        )

    def apply(self):
        from moto.core.utils import camelcase_to_underscores
        from moto.wafv2.models import FakeRule

        p = self.properties
        rules = [
            FakeRule(**{camelcase_to_underscores(k): v for k, v in r.items()}) for r in _api_rules(p.get("Rules", []))
        ]
        self.obj.update(
            p["DefaultAction"], rules, p.get("Description"), p["VisibilityConfig"], None, None, None, None, None
        )

    def delete(self, account_id, region_name):
        self.backend.delete_web_acl(self.obj.name, self.scope, self.obj.id, self.obj.lock_token)


class StandInAlarm(_StandInLifecycle, CloudFormationModel):
    """An `AWS::CloudWatch::Alarm` put in moto's CloudWatch backend; Ref is its name, as on AWS."""

    # moto files models by the second part of their module name.
    __module__ = "moto.cloudwatch.pocket_stand_in"

    def __init__(self, account_id, region_name, properties):
        from moto.cloudwatch.models import cloudwatch_backends

        self.backend = cloudwatch_backends[account_id][region_name]
        self.properties = properties
        self.name = properties["AlarmName"]
        self.apply()

    @staticmethod
    def cloudformation_type():
        return "AWS::CloudWatch::Alarm"

    @property
    def physical_resource_id(self):
        return self.name

    def apply(self):
        p = self.properties
        self.backend.put_metric_alarm(
            name=self.name,
            namespace=p.get("Namespace"),
            metric_name=p.get("MetricName"),
            comparison_operator=p["ComparisonOperator"],
            evaluation_periods=int(p["EvaluationPeriods"]),
            period=int(p.get("Period", 60)),
            threshold=float(p.get("Threshold", 0)),
            statistic=p.get("Statistic"),
            description=p.get("AlarmDescription", ""),
            dimensions=list(p.get("Dimensions", [])),
            alarm_actions=list(p.get("AlarmActions", [])),
            treat_missing_data=p.get("TreatMissingData"),
        )

    def delete(self, account_id, region_name):
        self.backend.delete_alarms([self.name])


def _ec2(account_id, region_name):
    from moto.ec2.models import ec2_backends

    return ec2_backends[account_id][region_name]


def _delete_association(self, account_id, region_name):
    # Gone with its route table already: moto may delete the table first.
    table = _ec2(account_id, region_name).route_tables.get(self.route_table_id)
    if table is None:
        return
    for association_id, subnet_id in list(table._associations.items()):
        if subnet_id == self.subnet_id:
            table._associations.pop(association_id)


def _delete_route_table(self, account_id, region_name):
    _ec2(account_id, region_name).delete_route_table(self.id)


def _delete_nat_gateway(self, account_id, region_name):
    _ec2(account_id, region_name).delete_nat_gateway(self.id)


def _delete_gateway_attachment(self, account_id, region_name):
    if self.gateway_id and self.gateway_id.startswith("igw-"):
        _ec2(account_id, region_name).detach_internet_gateway(self.gateway_id, self.vpc_id)


def _delete_internet_gateway(self, account_id, region_name):
    _ec2(account_id, region_name).delete_internet_gateway(self.id)


def _release_address(self, account_id, region_name):
    _ec2(account_id, region_name).release_address(address=self.public_ip)


def _add_deletions():
    from moto.ec2.models.elastic_ip_addresses import ElasticAddress
    from moto.ec2.models.internet_gateways import InternetGateway
    from moto.ec2.models.nat_gateways import NatGateway
    from moto.ec2.models.route_tables import RouteTable
    from moto.ec2.models.subnets import SubnetRouteTableAssociation
    from moto.ec2.models.vpn_gateway import VPCGatewayAttachment

    # moto's stack deletion calls `resource.delete(account_id, region_name)` when a model has it.
    SubnetRouteTableAssociation.delete = _delete_association
    RouteTable.delete = _delete_route_table
    NatGateway.delete = _delete_nat_gateway
    VPCGatewayAttachment.delete = _delete_gateway_attachment
    InternetGateway.delete = _delete_internet_gateway
    ElasticAddress.delete = _release_address


_add_deletions()


def _access_point_ref():
    from moto.efs.models import AccessPoint

    AccessPoint.physical_resource_id = property(lambda self: self.access_point_id)


_access_point_ref()


def _lambda_tracing():
    from moto.awslambda.models import LambdaFunction

    create = LambdaFunction.create_from_cloudformation_json.__func__
    update = LambdaFunction.update_from_cloudformation_json.__func__

    def traced(fn, properties):
        fn.tracing_config = properties.get("TracingConfig") or {"Mode": "PassThrough"}
        return fn

    def create_traced(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        fn = create(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)
        return traced(fn, cloudformation_json["Properties"])

    # moto passes these by keyword: the names are moto's.
    def update_traced(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name):
        fn = update(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name)
        return traced(fn, cloudformation_json["Properties"])

    LambdaFunction.create_from_cloudformation_json = classmethod(create_traced)
    LambdaFunction.update_from_cloudformation_json = classmethod(update_traced)


def _scheduler(account_id, region_name):
    from moto.scheduler.models import scheduler_backends

    return scheduler_backends[account_id][region_name]


class _SchedulerStandIn(_StandInLifecycle):
    """Made in moto's Scheduler backend (`obj`); Ref is its name and GetAtt Arn its ARN, as on AWS."""

    def __init__(self, account_id, region_name, properties):
        self.backend = _scheduler(account_id, region_name)
        self.properties = properties
        self.name = properties["Name"]
        self.obj = self.make()

    @property
    def physical_resource_id(self):
        return self.name

    @classmethod
    def has_cfn_attr(cls, attr):
        return attr == "Arn"

    def get_cfn_attribute(self, attribute_name):
        return self.obj.arn


class StandInScheduleGroup(_SchedulerStandIn, CloudFormationModel):
    # moto files models by the second part of their module name.
    __module__ = "moto.scheduler.pocket_stand_in"

    @staticmethod
    def cloudformation_type():
        return "AWS::Scheduler::ScheduleGroup"

    def make(self):
        return self.backend.create_schedule_group(self.name, list(self.properties.get("Tags", [])))

    def apply(self):
        # Name cannot change in place (a new name is a new group); tags are all an update sets.
        pass

    def delete(self, account_id, region_name):
        self.backend.delete_schedule_group(self.name)


class StandInSchedule(_SchedulerStandIn, CloudFormationModel):
    # moto files models by the second part of their module name.
    __module__ = "moto.scheduler.pocket_stand_in"

    @staticmethod
    def cloudformation_type():
        return "AWS::Scheduler::Schedule"

    @property
    def group_name(self):
        return self.properties.get("GroupName", "default")

    def make(self):
        return self.backend.create_schedule(**self.fields(), action_after_completion=None)

    def fields(self):
        p = self.properties
        return {
            "description": p.get("Description"),
            "end_date": p.get("EndDate"),
            "flexible_time_window": p["FlexibleTimeWindow"],
            "group_name": self.group_name,
            "kms_key_arn": p.get("KmsKeyArn"),
            "name": self.name,
            "schedule_expression": p["ScheduleExpression"],
            "schedule_expression_timezone": p.get("ScheduleExpressionTimezone"),
            "start_date": p.get("StartDate"),
            "state": p.get("State"),
            "target": dict(p["Target"]),
        }

    def apply(self):
        self.obj = self.backend.update_schedule(**self.fields())

    def delete(self, account_id, region_name):
        from moto.scheduler.exceptions import ScheduleGroupNotFound, ScheduleNotFound

        try:
            self.backend.delete_schedule(self.group_name, self.name)
        except (ScheduleGroupNotFound, ScheduleNotFound):
            # Deleting a group deletes its schedules (on AWS too): CloudFormation may delete the
            # group first, and finds the schedule already gone.
            pass


_lambda_tracing()


def _serial_recording():
    from moto.moto_api._internal.recorder.models import Recorder

    record = Recorder._record_request
    lock = threading.Lock()

    def record_one_at_a_time(self, request, body=None):
        with lock:
            return record(self, request, body)

    Recorder._record_request = record_one_at_a_time


_serial_recording()


def _backup(account_id, region_name):
    from moto.backup.models import backup_backends

    return backup_backends[account_id][region_name]


# Backup selections (moto has none), by (account, region) then selection id; recovery points
# (moto has none), by (account, region) then recovery point ARN; backup jobs likewise, by job id.
_BACKUP_SELECTIONS = {}
_RECOVERY_POINTS = {}
_BACKUP_JOBS = {}


class StandInBackupPlan(_StandInLifecycle, CloudFormationModel):
    """An `AWS::Backup::BackupPlan` in moto's Backup backend; Ref is its id, as on AWS."""

    # moto files models by the second part of their module name.
    __module__ = "moto.backup.pocket_stand_in"

    def __init__(self, account_id, region_name, properties):
        self.backend = _backup(account_id, region_name)
        self.properties = properties
        self.plan = self.backend.create_backup_plan(self.api_plan(), None, None)

    def api_plan(self):
        from moto.backup.exceptions import ResourceNotFoundException

        p = self.properties["BackupPlan"]
        rules = []
        for r in p.get("BackupPlanRule", []):
            # AWS refuses a rule whose vault does not exist.
            if r["TargetBackupVault"] not in self.backend.vaults:
                raise ResourceNotFoundException(msg=f"Backup vault {r['TargetBackupVault']} not found")
            rule = {k: v for k, v in r.items() if k != "TargetBackupVault"}
            rule["TargetBackupVaultName"] = r["TargetBackupVault"]
            rules.append(rule)
        return {"BackupPlanName": p["BackupPlanName"], "Rules": rules}

    @staticmethod
    def cloudformation_type():
        return "AWS::Backup::BackupPlan"

    @property
    def physical_resource_id(self):
        return self.plan.backup_plan_id

    @classmethod
    def has_cfn_attr(cls, attr):
        return attr in ("BackupPlanId", "BackupPlanArn", "VersionId")

    def get_cfn_attribute(self, attribute_name):
        return {
            "BackupPlanId": self.plan.backup_plan_id,
            "BackupPlanArn": self.plan.backup_plan_arn,
            "VersionId": self.plan.version_id,
        }[attribute_name]

    def apply(self):
        # UpdateBackupPlan: the same id, the new rules.
        from moto.backup.models import Plan

        fresh = Plan(backup_plan=self.api_plan(), creator_request_id=None, backend=self.backend)
        self.plan.backup_plan = fresh.backup_plan
        self.plan.version_id = fresh.version_id

    def delete(self, account_id, region_name):
        # Gone from the lists, and its name free again, as on AWS.
        self.backend.plans.pop(self.plan.backup_plan_id, None)


class StandInBackupSelection(_StandInLifecycle, CloudFormationModel):
    """An `AWS::Backup::BackupSelection`, kept here (moto has none); Ref is its id, as on AWS."""

    __module__ = "moto.backup.pocket_stand_in"

    def __init__(self, account_id, region_name, properties):
        from moto.moto_api._internal import mock_random

        self.key = (account_id, region_name)
        self.properties = properties
        self.selection_id = str(mock_random.uuid4())
        self.apply()

    def apply(self):
        p = self.properties
        _BACKUP_SELECTIONS.setdefault(self.key, {})[self.selection_id] = {
            "SelectionId": self.selection_id,
            "BackupPlanId": p["BackupPlanId"],
            "BackupSelection": dict(p["BackupSelection"]),
        }

    @staticmethod
    def cloudformation_type():
        return "AWS::Backup::BackupSelection"

    @property
    def physical_resource_id(self):
        return self.selection_id

    @classmethod
    def has_cfn_attr(cls, attr):
        return attr in ("SelectionId", "BackupPlanId", "Id")

    def get_cfn_attribute(self, attribute_name):
        if attribute_name == "BackupPlanId":
            return self.properties["BackupPlanId"]
        return self.selection_id

    def delete(self, account_id, region_name):
        _BACKUP_SELECTIONS.get(self.key, {}).pop(self.selection_id, None)


def _backup_api():
    """ListBackupSelections, StartBackupJob (its recovery point made at once, as a finished job
    leaves it), ListRecoveryPointsByResource and DeleteRecoveryPoint, which moto lacks."""
    from urllib.parse import unquote

    from moto.backup import urls
    from moto.backup.responses import BackupResponse
    from moto.moto_api._internal import mock_random

    def key(self):
        return (self.current_account, self.region)

    def list_backup_selections(self):
        plan_id = unquote(self.path.split("/plans/")[1].split("/")[0])
        found = [s for s in _BACKUP_SELECTIONS.get(key(self), {}).values() if s["BackupPlanId"] == plan_id]
        return json.dumps(
            {
                "BackupSelectionsList": [
                    {
                        "SelectionId": s["SelectionId"],
                        "SelectionName": s["BackupSelection"]["SelectionName"],
                        "BackupPlanId": plan_id,
                        "IamRoleArn": s["BackupSelection"]["IamRoleArn"],
                    }
                    for s in found
                ]
            }
        )

    def get_backup_selection(self):
        parts = self.path.split("/plans/")[1].split("/")
        s = _BACKUP_SELECTIONS.get(key(self), {}).get(unquote(parts[2]))
        if s is None:
            return 400, {}, json.dumps({"__type": "ResourceNotFoundException", "message": "no selection"})
        return json.dumps({"BackupPlanId": s["BackupPlanId"], "SelectionId": s["SelectionId"], "BackupSelection": s["BackupSelection"]})

    def start_backup_job(self):
        params = json.loads(self.body)
        vault = params["BackupVaultName"]
        if vault not in self.backup_backend.vaults:
            return 400, {}, json.dumps({"__type": "ResourceNotFoundException", "message": f"vault {vault}"})
        job = str(mock_random.uuid4())
        resource = params["ResourceArn"]
        region, account = resource.split(":")[3], resource.split(":")[4]
        arn = f"arn:aws:rds:{region}:{account}:cluster-snapshot:awsbackup:job-{job}"
        _RECOVERY_POINTS.setdefault(key(self), {})[arn] = {
            "RecoveryPointArn": arn,
            "BackupVaultName": vault,
            "BackupVaultArn": self.backup_backend.vaults[vault].backup_vault_arn,
            "ResourceArn": resource,
            "Status": "COMPLETED",
            "CreationDate": datetime.now().timestamp(),
        }
        _BACKUP_JOBS.setdefault(key(self), {})[job] = {
            "BackupJobId": job,
            "BackupVaultName": vault,
            "ResourceArn": resource,
            "RecoveryPointArn": arn,
            "IamRoleArn": params["IamRoleArn"],
            "State": "COMPLETED",
            "CreationDate": datetime.now().timestamp(),
            **({"Lifecycle": params["Lifecycle"]} if "Lifecycle" in params else {}),
        }
        return json.dumps({"BackupJobId": job, "RecoveryPointArn": arn, "CreationDate": datetime.now().timestamp()})

    def describe_backup_job(self):
        job = _BACKUP_JOBS.get(key(self), {}).get(unquote(self.path.rstrip("/").split("/")[-1]))
        if job is None:
            return 400, {}, json.dumps({"__type": "ResourceNotFoundException", "message": "no backup job"})
        return json.dumps(job)

    def list_backup_jobs(self):
        resource = self.querystring.get("resourceArn", [None])[0]
        jobs = [j for j in _BACKUP_JOBS.get(key(self), {}).values() if resource in (None, j["ResourceArn"])]
        return json.dumps({"BackupJobs": jobs})

    def list_recovery_points_by_resource(self):
        resource = unquote(self.path.split("/resources/")[1].rsplit("/recovery-points", 1)[0])
        points = [
            {k: v for k, v in p.items() if k != "ResourceArn"}
            for p in _RECOVERY_POINTS.get(key(self), {}).values()
            if p["ResourceArn"] == resource
        ]
        return json.dumps({"RecoveryPoints": points})

    def delete_recovery_point(self):
        vault_and_arn = self.path.split("/backup-vaults/")[1]
        vault, arn = vault_and_arn.split("/recovery-points/")
        points = _RECOVERY_POINTS.get(key(self), {})
        p = points.get(unquote(arn))
        if p is None or p["BackupVaultName"] != unquote(vault):
            return 400, {}, json.dumps({"__type": "ResourceNotFoundException", "message": "no recovery point"})
        del points[unquote(arn)]
        return "{}"

    for fn in (
        list_backup_selections,
        get_backup_selection,
        start_backup_job,
        describe_backup_job,
        list_backup_jobs,
        list_recovery_points_by_resource,
        delete_recovery_point,
    ):
        setattr(BackupResponse, fn.__name__, fn)
    urls.url_paths.update(
        {
            "{0}/backup-jobs/?$": urls.response.dispatch,
            "{0}/backup-jobs/(?P<job>[^/]+)$": urls.response.dispatch,
            "{0}/resources/(?P<resource_arn>.+)/recovery-points/?$": urls.response.dispatch,
            "{0}/backup-vaults/(?P<name>[^/]+)/recovery-points/(?P<arn>.+)$": urls.response.dispatch,
        }
    )


_backup_api()


def _ecr_tag_moves():
    from moto.ecr.models import ECRBackend

    put_image = ECRBackend.put_image

    def put_keeping_untagged(self, repository_name, image_manifest, image_tag, *args, **kwargs):
        repository = self.repositories.get(repository_name)
        if repository and repository.image_tag_mutability == "MUTABLE" and image_tag is not None:
            for image in repository.images:
                if image_tag in image.image_tags and image.image_manifest != image_manifest:
                    image.remove_tag(image_tag)
                    if not image.image_tags:
                        image.image_tag = None
        return put_image(self, repository_name, image_manifest, image_tag, *args, **kwargs)

    ECRBackend.put_image = put_keeping_untagged


_ecr_tag_moves()


def _dsql():
    import moto.dsql.models as models
    from moto.dsql.responses import AuroraDSQLResponse

    models.dsql_backends._additional_regions = [
        *(models.dsql_backends._additional_regions or []),
        "ap-northeast-1",
    ]
    cluster_init = models.Cluster.__init__

    def init_with_aws_endpoint(self, region_name, *args, **kwargs):
        cluster_init(self, region_name, *args, **kwargs)
        self.endpoint = f"{self.identifier}.dsql.{region_name}.on.aws"

    models.Cluster.__init__ = init_with_aws_endpoint

    def refused(message):
        return 400, {}, json.dumps({"__type": "ValidationException", "message": message})

    def list_clusters(self):
        clusters = [{"identifier": c.identifier, "arn": c.arn} for c in self.dsql_backend.clusters.values()]
        return json.dumps({"clusters": clusters})

    def update_cluster(self):
        identifier = self.path.split("/")[-1]
        cluster = self.dsql_backend.get_cluster(identifier=identifier)
        params = json.loads(self.body or "{}")
        if "deletionProtectionEnabled" in params:
            cluster.deletion_protection_enabled = params["deletionProtectionEnabled"]
        return json.dumps(
            {"identifier": cluster.identifier, "arn": cluster.arn, "status": "UPDATING", "creationTime": cluster.creation_time.timestamp()}
        )

    delete_cluster = AuroraDSQLResponse.delete_cluster

    def delete_unless_protected(self):
        identifier = self.path.split("/")[-1]
        cluster = self.dsql_backend.clusters.get(identifier)
        if cluster is not None and cluster.deletion_protection_enabled:
            return refused(f"Cluster {identifier} has deletion protection enabled")
        return delete_cluster(self)

    AuroraDSQLResponse.list_clusters = list_clusters
    AuroraDSQLResponse.update_cluster = update_cluster
    AuroraDSQLResponse.delete_cluster = delete_unless_protected


_dsql()


def _stand_in_invalidations():
    from types import SimpleNamespace

    from moto.cloudfront.models import CloudFrontBackend, Invalidation

    made = set()
    new_id = _CloudFrontStandIn.new_id

    def remembered_id(self):
        made_id = new_id(self)
        made.add(made_id)
        return made_id

    _CloudFrontStandIn.new_id = remembered_id
    create = CloudFrontBackend.create_invalidation

    def create_invalidation(self, dist_id, paths, caller_ref):
        if dist_id in self.distributions or dist_id not in made:
            return create(self, dist_id, paths, caller_ref)
        at = f"https://cloudfront.amazonaws.com/2020-05-31/distribution/{dist_id}"
        invalidation = Invalidation(SimpleNamespace(location=at), paths, caller_ref)
        self.invalidations.setdefault(dist_id, []).append(invalidation)
        return invalidation

    CloudFrontBackend.create_invalidation = create_invalidation


_stand_in_invalidations()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
