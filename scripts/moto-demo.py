#!/usr/bin/env python3
"""The AWS side of `make demo`, on moto_server (the AWS emulator) with boto3.

usage: moto-demo.py URL setup FAMILY          # cluster "demo", service "api" on FAMILY:1, FAMILY:2 registered; prints the topic ARN
       moto-demo.py URL subscribe TOPIC ENDPOINT
       moto-demo.py URL alarm TOPIC NAME      # publishes a CloudWatch ALARM notification, as CloudWatch would
       moto-demo.py URL running              # the task definition service "api" runs
"""
import datetime, json, sys
import boto3

url, action = sys.argv[1:3]
session = dict(endpoint_url=url, region_name="us-east-1", aws_access_key_id="demo", aws_secret_access_key="demo")
ecs, sns = boto3.client("ecs", **session), boto3.client("sns", **session)

if action == "setup":
    family = sys.argv[3]
    ecs.create_cluster(clusterName="demo")
    for image in ("api:1", "api:2"):
        ecs.register_task_definition(family=family, containerDefinitions=[{"name": "api", "image": image, "memory": 512}])
    ecs.create_service(cluster="demo", serviceName="api", taskDefinition=family + ":1", desiredCount=1)
    print(sns.create_topic(Name="cloudwatch-alarms")["TopicArn"])
elif action == "subscribe":
    sns.subscribe(TopicArn=sys.argv[3], Protocol="http", Endpoint=sys.argv[4])
elif action == "alarm":
    now = datetime.datetime.now(datetime.timezone.utc)
    name = sys.argv[4]
    alarm = {
        "AlarmName": name, "AlarmDescription": None, "AWSAccountId": "123456789012", "NewStateValue": "ALARM",
        "OldStateValue": "OK", "NewStateReason": "Threshold Crossed: 1 datapoint [42.0] was greater than the threshold (5.0).",
        "StateChangeTime": now.strftime("%Y-%m-%dT%H:%M:%S.") + "%03d+0000" % (now.microsecond // 1000),
        "Region": "US East (N. Virginia)", "AlarmArn": "arn:aws:cloudwatch:us-east-1:123456789012:alarm:" + name,
        "Trigger": {"MetricName": "HTTPCode_Target_5XX_Count", "Namespace": "AWS/ApplicationELB", "Statistic": "SUM",
                    "Dimensions": [{"name": "ServiceName", "value": "api"}], "Period": 60, "EvaluationPeriods": 1,
                    "ComparisonOperator": "GreaterThanThreshold", "Threshold": 5.0, "TreatMissingData": "missing"},
    }
    sns.publish(TopicArn=sys.argv[3], Message=json.dumps(alarm))  # no Subject: moto leaves it out of what it signs
elif action == "running":
    print(ecs.describe_services(cluster="demo", services=["api"])["services"][0]["taskDefinition"].split("/")[-1])
