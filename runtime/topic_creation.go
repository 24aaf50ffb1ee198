package runtime

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Topic creation (KIP-158) properties of source connectors.
const (
	TopicCreationGroupsConfig = "topic.creation.groups"
	topicCreationPrefix       = "topic.creation."
	defaultTopicGroup         = "default"
)

// TopicGroup is one topic creation group: the topics it matches and how
// they are created.
type TopicGroup struct {
	Name              string
	Include           []*regexp.Regexp // default group: empty, matches every topic
	Exclude           []*regexp.Regexp
	Partitions        int32 // -1: the broker's num.partitions
	ReplicationFactor int16 // -1: the broker's default.replication.factor
	Configs           map[string]string
}

// Matches reports whether the group creates topic.
func (g *TopicGroup) Matches(topic string) bool {
	if g.Name != defaultTopicGroup && !slices.ContainsFunc(g.Include, func(re *regexp.Regexp) bool { return re.MatchString(topic) }) {
		return false
	}
	return !slices.ContainsFunc(g.Exclude, func(re *regexp.Regexp) bool { return re.MatchString(topic) })
}

// TopicCreation is a source connector's topic creation settings: the named
// groups in topic.creation.groups order, then the default group.
type TopicCreation struct {
	Groups []*TopicGroup
}

// GroupFor returns the first group matching topic, as Kafka Connect does;
// the default group matches every topic the named groups did not take.
func (tc *TopicCreation) GroupFor(topic string) *TopicGroup {
	for _, g := range tc.Groups {
		if g.Matches(topic) {
			return g
		}
	}
	return tc.Groups[len(tc.Groups)-1]
}

// parseTopicCreation reads topic.creation.* from props. It returns nil when
// the worker disabled topic creation (topic.creation.enable=false).
func parseTopicCreation(props map[string]string, workerEnabled bool, p problems) *TopicCreation {
	if !workerEnabled {
		return nil
	}
	// Deviation from Kafka Connect, which creates topics only when the
	// connector sets topic.creation.default.*: Sluice creates them by
	// default, with the broker's defaults (-1), so CDC topics appear
	// without broker auto-creation.
	def := &TopicGroup{Name: defaultTopicGroup}
	prefix := topicCreationPrefix + defaultTopicGroup + "."
	def.ReplicationFactor = int16(groupNumber(props, prefix+"replication.factor", -1, 1<<15-1, false, p))
	def.Partitions = int32(groupNumber(props, prefix+"partitions", -1, 1<<31-1, false, p))
	for _, k := range []string{"include", "exclude"} {
		if _, ok := props[prefix+k]; ok {
			p.add(prefix+k, "the default group matches every topic not matched by a named group; include and exclude are not allowed")
		}
	}
	def.Configs = groupConfigs(props, prefix)

	tc := &TopicCreation{}
	seen := map[string]bool{}
	for _, name := range splitList(props[TopicCreationGroupsConfig]) {
		if name == defaultTopicGroup {
			p.add(TopicCreationGroupsConfig, "%q is implicit and must not be listed", defaultTopicGroup)
			continue
		}
		if seen[name] {
			p.add(TopicCreationGroupsConfig, "group %q listed twice", name)
			continue
		}
		seen[name] = true
		gp := topicCreationPrefix + name + "."
		g := &TopicGroup{
			Name:              name,
			Include:           groupRegexps(props, gp+"include", p),
			Exclude:           groupRegexps(props, gp+"exclude", p),
			ReplicationFactor: int16(groupNumber(props, gp+"replication.factor", int64(def.ReplicationFactor), 1<<15-1, false, p)),
			Partitions:        int32(groupNumber(props, gp+"partitions", int64(def.Partitions), 1<<31-1, false, p)),
			Configs:           groupConfigs(props, gp),
		}
		if len(g.Include) == 0 {
			p.add(gp+"include", "Missing required configuration %q which has no default value.", gp+"include")
		}
		tc.Groups = append(tc.Groups, g)
	}
	tc.Groups = append(tc.Groups, def)
	return tc
}

// groupNumber reads a partitions or replication.factor value: -1 (the
// broker's default) or a positive number up to max.
func groupNumber(props map[string]string, key string, dflt, max int64, required bool, p problems) int64 {
	v, ok := props[key]
	if !ok {
		if required {
			p.add(key, "Missing required configuration %q which has no default value.", key)
		}
		return dflt
	}
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil || n == 0 || n < -1 || n > max {
		p.add(key, "Invalid value %s: must be -1 (the broker's default) or a positive number up to %d", v, max)
		return dflt
	}
	return n
}

func groupRegexps(props map[string]string, key string, p problems) []*regexp.Regexp {
	var out []*regexp.Regexp
	for _, s := range splitList(props[key]) {
		// Java's Pattern.matches semantics: the whole topic name must match.
		re, err := regexp.Compile("^(?:" + s + ")$")
		if err != nil {
			p.add(key, "Invalid regular expression %q: %v", s, err)
			continue
		}
		out = append(out, re)
	}
	return out
}

// groupConfigs returns the group's other properties: topic configs such as
// cleanup.policy, passed to CreateTopics as they are.
func groupConfigs(props map[string]string, prefix string) map[string]string {
	out := map[string]string{}
	for k, v := range withPrefix(props, prefix) {
		switch k {
		case "include", "exclude", "partitions", "replication.factor":
		default:
			out[k] = v
		}
	}
	return out
}
