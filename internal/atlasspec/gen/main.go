// Command gen writes internal/atlasspec/requests.json: the request schema of
// every write operation of the vendored Atlas OpenAPI subset, for every dated
// version, with the component schemas they reach and only the keywords the
// validator reads. The file is committed and held by a test, so a spec update
// is a reviewed diff rather than a silent change in what is refused.
//
// Run it with `go generate ./internal/atlasspec`.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

func main() {
	spec := flag.String("spec", "../../testdata/atlas/atlas-admin-v2-subset-allversions.yaml", "OpenAPI document (every dated version)")
	ops := flag.String("ops", "../../testdata/atlas/operations.json", "operation table: method, path, versions, request schema")
	out := flag.String("out", "requests.json", "file to write")
	flag.Parse()
	b, err := Generate(*spec, *ops)
	if err != nil {
		fmt.Fprintln(os.Stderr, "atlasspec/gen:", err)
		os.Exit(1)
	}
	if err := os.WriteFile(*out, b, 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "atlasspec/gen:", err)
		os.Exit(1)
	}
}

// apiPrefix is cut from every path: callers name operations by the template
// they build, which never carries the prefix.
const apiPrefix = "/api/atlas/v2"

const refPrefix = "#/components/schemas/"

// kept lists the keywords a request validator needs; descriptions, examples
// and extensions would only make the embedded file larger.
var kept = map[string]bool{
	"type": true, "properties": true, "required": true, "items": true,
	"additionalProperties": true, "readOnly": true, "writeOnly": true,
	"enum": true, "pattern": true, "format": true, "minimum": true,
	"maximum": true, "minLength": true, "maxLength": true, "minItems": true,
	"maxItems": true, "oneOf": true, "anyOf": true, "allOf": true,
	"discriminator": true, "$ref": true, "nullable": true, "default": true,
}

// settableComponents are shared components the spec marks readOnly as a
// whole although Atlas accepts them in requests where a settable property
// uses them (REFERENCE.md, "Simulator pitfalls"; issue 11: dropping
// readOnlySpecs or autoScaling is a bug). Believing the flag would refuse
// every readOnlySpecs, analyticsSpecs and auto-scaling bound. The flag is
// moved instead to the properties that really are Atlas's to set: those named
// effective* (the spec documents effectiveReplicationSpecs, the one such
// property with a description, as "read-only ... the actual cluster state").
var settableComponents = map[string]bool{
	"DedicatedHardwareSpec20240805": true,
	"BaseCloudProviderInstanceSize": true,
}

// re2Patterns translates the spec's ECMA-262 patterns that Go's RE2 cannot
// compile into RE2 patterns that accept the same strings. Each translation is
// argued where it is written; gen fails on an untranslatable pattern rather
// than let the validator skip a check without anyone noticing.
var re2Patterns = map[string]string{
	// NetworkPermissionEntry.ipAddress. In `((octet)(\.(?!$)|$)){4}` the first
	// three rounds can only take the dot (an octet needs a digit after it), so
	// they are `octet\.`; the fourth is an octet followed by the end, or by a
	// dot that is not last. That dot ends the IPv4 alternative, so requiring
	// any one character after it (`\.[\s\S]`) matches the same strings under
	// search semantics. The IPv6 alternative is unchanged (it is full form
	// only, lower-case only, and anchored at its end only, as upstream wrote it).
	`^((25[0-5]|(2[0-4]|1\d|[1-9]|)\d)(\.(?!$)|$)){4}|([0-9a-f]{1,4}:){7}[0-9a-f]{1,4}$`: `^((25[0-5]|(2[0-4]|1\d|[1-9]|)\d)\.){3}(25[0-5]|(2[0-4]|1\d|[1-9]|)\d)(\.[\s\S]|$)|([0-9a-f]{1,4}:){7}[0-9a-f]{1,4}$`,
}

// patternCorrections replace spec patterns that refuse values the field's
// own description asks for. NetworkPermissionEntry.cidrBlock is written for
// the URL-escaped path form (`%2F` for the slash): its IPv4 alternative
// accepts `10.0.0.0/8` only because it is not anchored at its end, while
// both IPv6 alternatives are, so every IPv6 CIDR written with `/` (the
// "CIDR notation" the description asks for, e.g. 2001:db8::/32) would be
// refused. The correction accepts `/` wherever the spec accepts `%2F`.
var patternCorrections = map[string]string{
	`^([0-9]{1,3}\.){3}[0-9]{1,3}(%2[fF][0-9]{1,3})?|([0-9a-f]{1,4}\:){7}[0-9a-f]{1,4}(%2[fF][0-9]{1,3})?|([0-9a-f]{1,4}\:){1,6}\:(%2[fF][0-9]{1,3})?$`: `^([0-9]{1,3}\.){3}[0-9]{1,3}((/|%2[fF])[0-9]{1,3})?|([0-9a-f]{1,4}\:){7}[0-9a-f]{1,4}((/|%2[fF])[0-9]{1,3})?|([0-9a-f]{1,4}\:){1,6}\:((/|%2[fF])[0-9]{1,3})?$`,
}

type operation struct {
	Method   string `json:"method"`
	Path     string `json:"path"`
	Versions map[string]struct {
		RequestSchema string `json:"requestSchema"`
		ContentType   string `json:"contentType"`
	} `json:"versions"`
}

// Generate returns the bytes of requests.json for the two inputs.
func Generate(specPath, opsPath string) ([]byte, error) {
	raw, err := os.ReadFile(specPath)
	if err != nil {
		return nil, err
	}
	var root yaml.Node
	if err := yaml.Unmarshal(raw, &root); err != nil {
		return nil, fmt.Errorf("%s: %w", specPath, err)
	}
	doc, err := toJSONValue(&root)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", specPath, err)
	}
	opsRaw, err := os.ReadFile(opsPath)
	if err != nil {
		return nil, err
	}
	var ops []operation
	if err := json.Unmarshal(opsRaw, &ops); err != nil {
		return nil, fmt.Errorf("%s: %w", opsPath, err)
	}

	components, _ := dig(doc, "components", "schemas").(map[string]any)
	if components == nil {
		return nil, fmt.Errorf("%s: no components.schemas", specPath)
	}
	paths, _ := dig(doc, "paths").(map[string]any)

	out := struct {
		Source     string                    `json:"source"`
		Operations map[string]map[string]any `json:"operations"`
		Schemas    map[string]any            `json:"schemas"`
	}{
		Source:     fmt.Sprintf("%v", dig(doc, "info", "x-xgen-sha")),
		Operations: map[string]map[string]any{},
		Schemas:    map[string]any{},
	}

	var queue []string
	seen := map[string]bool{}
	enqueue := func(s any) error {
		return eachRef(s, func(name string) error {
			if _, ok := components[name]; !ok {
				return fmt.Errorf("$ref to missing component %q", name)
			}
			if !seen[name] {
				seen[name] = true
				queue = append(queue, name)
			}
			return nil
		})
	}

	for _, op := range ops {
		switch op.Method {
		case "POST", "PATCH", "PUT":
		default:
			continue
		}
		tmpl, ok := strings.CutPrefix(op.Path, apiPrefix)
		if !ok {
			return nil, fmt.Errorf("operation %s %s is not under %s", op.Method, op.Path, apiPrefix)
		}
		key := op.Method + " " + tmpl
		versions := map[string]any{}
		for v, info := range op.Versions {
			// The spec's own requestBody is the source; operations.json's
			// column is cross-checked so the two cannot disagree unnoticed.
			s := dig(paths, op.Path, strings.ToLower(op.Method), "requestBody", "content", info.ContentType, "schema")
			if s == nil {
				return nil, fmt.Errorf("%s version %s: no request schema for %s in the spec", key, v, info.ContentType)
			}
			ref, _ := dig(s, "$ref").(string)
			switch {
			case info.RequestSchema == "inline" && ref == "":
			case info.RequestSchema != "" && info.RequestSchema == ref:
			default:
				return nil, fmt.Errorf("%s version %s: operations.json says %q, the spec %q", key, v, info.RequestSchema, ref)
			}
			c, err := compact(s)
			if err != nil {
				return nil, fmt.Errorf("%s version %s: %w", key, v, err)
			}
			if err := enqueue(c); err != nil {
				return nil, fmt.Errorf("%s version %s: %w", key, v, err)
			}
			versions[v] = c
		}
		if len(versions) > 0 {
			out.Operations[key] = versions
		}
	}

	for len(queue) > 0 {
		name := queue[0]
		queue = queue[1:]
		c, err := compact(components[name])
		if err != nil {
			return nil, fmt.Errorf("component %s: %w", name, err)
		}
		if err := enqueue(c); err != nil {
			return nil, fmt.Errorf("component %s: %w", name, err)
		}
		out.Schemas[name] = c
	}
	correctReadOnly(out.Schemas)

	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(out); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// correctReadOnly applies settableComponents (see there for why).
func correctReadOnly(schemas map[string]any) {
	for name := range settableComponents {
		if s, ok := schemas[name].(map[string]any); ok {
			delete(s, "readOnly")
		}
	}
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if props, ok := v["properties"].(map[string]any); ok {
				for pname, p := range props {
					pm, ok := p.(map[string]any)
					if !ok {
						continue
					}
					ref, _ := pm["$ref"].(string)
					if settableComponents[strings.TrimPrefix(ref, refPrefix)] && strings.HasPrefix(pname, "effective") {
						pm["readOnly"] = true
					}
				}
			}
			for _, c := range v {
				walk(c)
			}
		case []any:
			for _, c := range v {
				walk(c)
			}
		}
	}
	for _, s := range schemas {
		walk(s)
	}
}

// compact keeps the validator's keywords of one schema, recursively.
func compact(v any) (any, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("schema is a %T, not an object", v)
	}
	out := map[string]any{}
	for k, val := range m {
		if !kept[k] {
			continue
		}
		switch k {
		case "properties":
			props, ok := val.(map[string]any)
			if !ok {
				return nil, fmt.Errorf("properties is a %T", val)
			}
			cp := map[string]any{}
			for name, p := range props {
				c, err := compact(p)
				if err != nil {
					return nil, fmt.Errorf("property %s: %w", name, err)
				}
				cp[name] = c
			}
			out[k] = cp
		case "items":
			c, err := compact(val)
			if err != nil {
				return nil, fmt.Errorf("items: %w", err)
			}
			out[k] = c
		case "additionalProperties":
			if b, ok := val.(bool); ok {
				out[k] = b
				continue
			}
			c, err := compact(val)
			if err != nil {
				return nil, fmt.Errorf("additionalProperties: %w", err)
			}
			out[k] = c
		case "oneOf", "anyOf", "allOf":
			list, ok := val.([]any)
			if !ok {
				return nil, fmt.Errorf("%s is a %T", k, val)
			}
			cl := make([]any, 0, len(list))
			for i, e := range list {
				c, err := compact(e)
				if err != nil {
					return nil, fmt.Errorf("%s[%d]: %w", k, i, err)
				}
				cl = append(cl, c)
			}
			out[k] = cl
		case "discriminator":
			d, ok := val.(map[string]any)
			if !ok {
				return nil, fmt.Errorf("discriminator is a %T", val)
			}
			cd := map[string]any{"propertyName": d["propertyName"]}
			if mp, ok := d["mapping"]; ok {
				cd["mapping"] = mp
			}
			out[k] = cd
		case "pattern":
			p, ok := val.(string)
			if !ok {
				return nil, fmt.Errorf("pattern is a %T", val)
			}
			out[k] = p
			if c, ok := patternCorrections[p]; ok {
				if _, err := regexp.Compile(c); err != nil {
					return nil, fmt.Errorf("correction of %q: %w", p, err)
				}
				out["patternRE2"] = c
				continue
			}
			if _, err := regexp.Compile(p); err != nil {
				t, ok := re2Patterns[p]
				if !ok {
					return nil, fmt.Errorf("pattern %q does not compile in RE2 (%v); add a translation to re2Patterns", p, err)
				}
				if _, err := regexp.Compile(t); err != nil {
					return nil, fmt.Errorf("translation of %q: %w", p, err)
				}
				out["patternRE2"] = t
			}
		default:
			out[k] = val
		}
	}
	return out, nil
}

// eachRef calls f with the component name of every $ref and discriminator
// mapping target inside s.
func eachRef(s any, f func(string) error) error {
	switch s := s.(type) {
	case map[string]any:
		for k, v := range s {
			switch k {
			case "$ref":
				ref, _ := v.(string)
				name, ok := strings.CutPrefix(ref, refPrefix)
				if !ok {
					return fmt.Errorf("$ref %q is not a component schema", ref)
				}
				if err := f(name); err != nil {
					return err
				}
			case "discriminator":
				d, _ := v.(map[string]any)
				mp, _ := d["mapping"].(map[string]any)
				keys := make([]string, 0, len(mp))
				for key := range mp {
					keys = append(keys, key)
				}
				sort.Strings(keys)
				for _, key := range keys {
					ref, _ := mp[key].(string)
					name, ok := strings.CutPrefix(ref, refPrefix)
					if !ok {
						return fmt.Errorf("discriminator mapping %q is not a component schema", ref)
					}
					if err := f(name); err != nil {
						return err
					}
				}
			case "enum", "default":
				// values, not schemas
			default:
				if err := eachRef(v, f); err != nil {
					return err
				}
			}
		}
	case []any:
		for _, v := range s {
			if err := eachRef(v, f); err != nil {
				return err
			}
		}
	}
	return nil
}

func dig(v any, keys ...string) any {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

// toJSONValue converts a YAML node to JSON values by its resolved tag, so that
// numbers keep their spelling (json.Number) and unquoted dates or other
// timestamps stay strings instead of becoming time.Time.
func toJSONValue(n *yaml.Node) (any, error) {
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) != 1 {
			return nil, fmt.Errorf("line %d: expected one document", n.Line)
		}
		return toJSONValue(n.Content[0])
	case yaml.AliasNode:
		return toJSONValue(n.Alias)
	case yaml.MappingNode:
		m := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			if k.Kind != yaml.ScalarNode {
				return nil, fmt.Errorf("line %d: non-scalar key", k.Line)
			}
			if _, dup := m[k.Value]; dup {
				return nil, fmt.Errorf("line %d: duplicate key %q", k.Line, k.Value)
			}
			v, err := toJSONValue(n.Content[i+1])
			if err != nil {
				return nil, err
			}
			m[k.Value] = v
		}
		return m, nil
	case yaml.SequenceNode:
		l := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			v, err := toJSONValue(c)
			if err != nil {
				return nil, err
			}
			l = append(l, v)
		}
		return l, nil
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!null":
			return nil, nil
		case "!!bool":
			var b bool
			if err := n.Decode(&b); err != nil {
				return nil, fmt.Errorf("line %d: %w", n.Line, err)
			}
			return b, nil
		case "!!int", "!!float":
			if json.Valid([]byte(n.Value)) {
				return json.Number(n.Value), nil
			}
			f, err := strconv.ParseFloat(strings.ReplaceAll(n.Value, "_", ""), 64)
			if err != nil {
				return nil, fmt.Errorf("line %d: number %q: %w", n.Line, n.Value, err)
			}
			return json.Number(strconv.FormatFloat(f, 'g', -1, 64)), nil
		default:
			return n.Value, nil
		}
	}
	return nil, fmt.Errorf("line %d: unexpected YAML node kind %d", n.Line, n.Kind)
}
