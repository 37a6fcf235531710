package slipway_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/slipway-paas/slipway/internal/platform"
)

// lifecycleRule is one rule of an ECR lifecycle policy.
type lifecycleRule struct {
	RulePriority int    `json:"rulePriority"`
	Description  string `json:"description"`
	Selection    struct {
		TagStatus      string   `json:"tagStatus"`
		TagPrefixList  []string `json:"tagPrefixList"`
		TagPatternList []string `json:"tagPatternList"`
		CountType      string   `json:"countType"`
		CountUnit      string   `json:"countUnit"`
		CountNumber    int      `json:"countNumber"`
	} `json:"selection"`
	Action struct {
		Type string `json:"type"`
	} `json:"action"`
}

// TestImageRetention checks the image repository's lifecycle policy
// against the release tags the pipeline adds: the first rule selects
// exactly the release tags (so, as ECR evaluates rules, no later rule can
// expire an image that has one) and expires them only after years; one rule
// takes untagged images; the count rule comes last. ECR cannot count per
// application (a rule's prefixes are fixed), so the policy keeps every
// release tag and the teardown removes an application's.
func TestImageRetention(t *testing.T) {
	tpl, err := parseTemplate(readFile(t, "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	repo := m(tpl.resource("ImageRepository")["Properties"])
	if repo["ImageTagMutability"] != "IMMUTABLE" {
		t.Errorf("ImageTagMutability = %v: a release tag must keep naming its image", repo["ImageTagMutability"])
	}
	text := subOf(m(repo["LifecyclePolicy"])["LifecyclePolicyText"])
	count := fmt.Sprint(m(m(tpl["Parameters"])["ImageRetentionCount"])["Default"])
	text = strings.ReplaceAll(text, "${ImageRetentionCount}", count)
	var policy struct {
		Rules []lifecycleRule `json:"rules"`
	}
	if err := json.Unmarshal([]byte(text), &policy); err != nil {
		t.Fatalf("the lifecycle policy is not JSON: %v\n%s", err, text)
	}
	rules := policy.Rules
	sort.Slice(rules, func(i, j int) bool { return rules[i].RulePriority < rules[j].RulePriority })
	if len(rules) != 3 {
		t.Fatalf("%d rules, want 3 (releases, untagged, count)", len(rules))
	}
	release, untagged, counted := rules[0], rules[1], rules[2]
	if release.Selection.TagStatus != "tagged" || !slices.Equal(release.Selection.TagPrefixList, []string{platform.ReleaseImageTagPrefix}) ||
		len(release.Selection.TagPatternList) != 0 {
		t.Errorf("the first rule selects %+v, want exactly the tag prefix %q", release.Selection, platform.ReleaseImageTagPrefix)
	}
	if release.Selection.CountType != "sinceImagePushed" || release.Selection.CountUnit != "days" || release.Selection.CountNumber < 3650 {
		t.Errorf("release images expire after %d %s (%s), want at least 10 years", release.Selection.CountNumber, release.Selection.CountUnit, release.Selection.CountType)
	}
	if untagged.Selection.TagStatus != "untagged" || untagged.Selection.CountType != "sinceImagePushed" {
		t.Errorf("the second rule %+v, want untagged images by age", untagged.Selection)
	}
	if counted.Selection.TagStatus != "any" || counted.Selection.CountType != "imageCountMoreThan" || fmt.Sprint(counted.Selection.CountNumber) != count {
		t.Errorf("the last rule %+v, want any image beyond ImageRetentionCount (%s)", counted.Selection, count)
	}
	for _, r := range rules {
		if r.Action.Type != "expire" {
			t.Errorf("rule %d: action %q", r.RulePriority, r.Action.Type)
		}
	}
	if tag := platform.ReleaseImageTag("01a2348a-a93f-72c9-845b-1e29b6fdc3b8", 7); !strings.HasPrefix(tag, platform.ReleaseImageTagPrefix) || len(tag) > 128 {
		t.Errorf("release tag %q: not under the prefix or longer than ECR's 128 characters", tag)
	}
}

// TestImageTagGrants: PipelineFunction, which tags release images at
// deploy and removes the tags in a teardown, holds exactly
// BatchGetImage, PutImage and BatchDeleteImage on the image repository;
// no other function holds any ECR action, and only PipelineFunction may
// delete images.
func TestImageTagGrants(t *testing.T) {
	tpl, err := parseTemplate(readFile(t, "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for id := range m(tpl["Resources"]) {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		props := m(tpl.resource(id)["Properties"])
		var docs []any
		switch tpl.typeOf(id) {
		case "AWS::Serverless::Function", "AWS::Serverless::StateMachine":
			docs = list(props["Policies"])
		case "AWS::IAM::Role":
			for _, p := range list(props["Policies"]) {
				docs = append(docs, m(p)["PolicyDocument"])
			}
		}
		var actions []string
		for _, doc := range docs {
			for _, s := range statementsOf(doc) {
				for _, a := range list(s["Action"]) {
					action := fmt.Sprint(a)
					if !strings.HasPrefix(action, "ecr:") {
						continue
					}
					actions = append(actions, action)
					if action == "ecr:GetAuthorizationToken" {
						continue
					}
					if att := fmt.Sprint(m(s["Resource"])["Fn::GetAtt"]); att != "ImageRepository.Arn" && att != "[ImageRepository Arn]" {
						t.Errorf("%s: %s on %v, want the image repository only", id, action, s["Resource"])
					}
				}
			}
		}
		switch {
		case id == "PipelineFunction":
			if want := []string{"ecr:BatchGetImage", "ecr:PutImage", "ecr:BatchDeleteImage"}; !slices.Equal(actions, want) {
				t.Errorf("PipelineFunction: ecr actions %v, want %v", actions, want)
			}
		case tpl.typeOf(id) == "AWS::Serverless::Function" && len(actions) > 0:
			t.Errorf("%s: ecr actions %v, want none", id, actions)
		case slices.Contains(actions, "ecr:BatchDeleteImage"):
			t.Errorf("%s may delete images", id)
		}
	}
}
