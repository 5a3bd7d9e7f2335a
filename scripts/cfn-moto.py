#!/usr/bin/env python3
"""Creates deploy/cloudformation/shiplog.yml as a stack in moto_server, prints what moto built
as JSON ({"status", "created": {type: count}, "outputs": {key: value}}), and deletes it.

Usage: scripts/cfn-moto.py MOTO_URL TEMPLATE [Stage] [new|existing]
(existing: a VPC with two public and two private subnets is made first and given to the stack)
moto models most of the template's resource types; those it does not (Secrets Manager secrets,
SNS subscriptions and topic policies, CloudWatch alarms, log metric filters) it accepts and
skips: they are listed under "skipped"."""
import collections
import json
import sys
import uuid

import boto3

url, path = sys.argv[1], sys.argv[2]
stage = sys.argv[3] if len(sys.argv) > 3 else "staging"
vpc_mode = sys.argv[4] if len(sys.argv) > 4 else "new"
clients = dict(endpoint_url=url, region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing")
acm = boto3.client("acm", **clients)
cloudformation = boto3.client("cloudformation", **clients)
certificate = acm.request_certificate(DomainName="shiplog.example.com")["CertificateArn"]
name = f"shiplog-{stage}-{uuid.uuid4().hex[:8]}"
network = []
if vpc_mode == "existing":
    ec2 = boto3.client("ec2", **clients)
    vpc = ec2.create_vpc(CidrBlock="10.60.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.60.{index * 16}.0/20", AvailabilityZone=f"us-east-1{'ab'[index % 2]}")["Subnet"]["SubnetId"]
        for index in range(4)
    ]
    network = [
        {"ParameterKey": "ExistingVpcId", "ParameterValue": vpc},
        {"ParameterKey": "ExistingPublicSubnetIds", "ParameterValue": ",".join(subnets[:2])},
        {"ParameterKey": "ExistingPrivateSubnetIds", "ParameterValue": ",".join(subnets[2:])},
    ]
body = open(path, encoding="utf-8").read()
cloudformation.create_stack(
    StackName=name,
    TemplateBody=body,
    Capabilities=["CAPABILITY_IAM"],
    Parameters=[
        {"ParameterKey": "Stage", "ParameterValue": stage},
        {"ParameterKey": "ImageUri", "ParameterValue": "123456789012.dkr.ecr.us-east-1.amazonaws.com/shiplog:1.0.0"},
        {"ParameterKey": "DomainName", "ParameterValue": "shiplog.example.com"},
        {"ParameterKey": "CertificateArn", "ParameterValue": certificate},
        {"ParameterKey": "ManagedServiceArns", "ParameterValue": "arn:aws:ecs:us-east-1:123456789012:service/prod/web"},
    ] + network,
)
stack = cloudformation.describe_stacks(StackName=name)["Stacks"][0]
resources = cloudformation.list_stack_resources(StackName=name)["StackResourceSummaries"]
template_types = {}
for line in body.splitlines():
    stripped = line.strip()
    if stripped.startswith("Type: AWS::"):
        template_types.setdefault(stripped.split()[1], 0)
        template_types[stripped.split()[1]] += 1
created = collections.Counter(r["ResourceType"] for r in resources if r["ResourceType"] and r["ResourceStatus"] == "CREATE_COMPLETE")
print(json.dumps({
    "status": stack["StackStatus"],
    "created": dict(created),
    "skipped": sorted(t for t in template_types if t not in created),
    "outputs": {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])},
}, sort_keys=True))
try:
    cloudformation.delete_stack(StackName=name)
except Exception:  # moto deletes in an order EC2 refuses (the VPC before its dependents); the moto is a test's own
    pass
