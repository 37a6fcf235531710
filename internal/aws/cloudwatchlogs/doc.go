// Package cloudwatchlogs is the AWS LogSource (platform.LogSource): a
// pipeline's log and an application's runtime log, read from CloudWatch
// Logs; and the pipeline's LogWriter (pipeline.LogWriter), which writes
// the release and deploy stages' lines into the pipeline's stream.
//
//   - build lines: CodeBuild's stream of the pipeline's build, named by
//     BatchGetBuilds (logs.groupName/streamName) and read with GetLogEvents
//     and forward tokens;
//   - release and deploy lines: the pipeline's stream "<application
//     id>/<pipeline id>" in the stack's PipelineLogGroup, whose events are
//     JSON {"stage": ..., "message": ...} (PipelineLine);
//   - runtime lines: Container Insights' application log group
//     (/aws/containerinsights/<cluster>/application, shipped by the
//     amazon-cloudwatch-observability add-on's Fluent Bit), read with
//     FilterLogEvents narrowed to the application's namespace and pod name
//     prefix and then matched exactly (pod "<object name>-<rs>-<pod>" of
//     container "<process>").
//
// A position is JSON held in the API's signed cursor. A read with Wait
// polls the streams every Poll (CloudWatch has no push to a reader) until
// a line arrives or the wait ends; docs/performance.md counts the requests.
package cloudwatchlogs
