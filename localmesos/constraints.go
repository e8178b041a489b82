package localmesos

import (
	"errors"
	"regexp"
	"regexp/syntax"
	"strconv"

	"github.com/flink-mesos/flink-mesos/mesospb"
)

// maxRegexProgram is the master's --offer_constraints_re2_max_program_size
// default. Go counts regexp program instructions much as RE2 does, so the
// same limit applies, approximately.
const maxRegexProgram = 100

// offerConstraints is a compiled OfferConstraints
// (src/master/allocator/mesos/offer_constraints_filter.cpp): per role, an
// agent is offered if it satisfies every constraint of at least one group.
type offerConstraints struct {
	roles map[string][][]attributeConstraint
}

type attributeConstraint struct {
	pseudo    mesospb.AttributeConstraint_Selector_PseudoattributeType
	byName    bool
	attribute string
	kind      string // exists, not_exists, text_equals, text_not_equals, text_matches, text_not_matches
	text      string
	re        *regexp.Regexp
}

func compileOfferConstraints(oc *mesospb.OfferConstraints) (*offerConstraints, error) {
	if len(oc.GetRoleConstraints()) == 0 {
		return nil, nil
	}
	out := &offerConstraints{roles: map[string][][]attributeConstraint{}}
	roles := sortedKeys(oc.GetRoleConstraints())
	for _, role := range roles {
		rc := oc.GetRoleConstraints()[role]
		if len(rc.GetGroups()) == 0 {
			return nil, errors.New("'OfferConstraints::role_constraints' has an empty 'RoleConstraints::groups' for role " + role)
		}
		for _, g := range rc.GetGroups() {
			if len(g.GetAttributeConstraints()) == 0 {
				return nil, errors.New("'OfferConstraints::RoleConstraints::groups' for role " + role + "contains an empty RoleConstraints::Group")
			}
			var group []attributeConstraint
			for _, c := range g.GetAttributeConstraints() {
				ac, err := compileConstraint(c)
				if err != nil {
					return nil, errors.New("A role " + role + " has an invalid 'AttributeConstraint': " + err.Error())
				}
				group = append(group, ac)
			}
			out.roles[role] = append(out.roles[role], group)
		}
	}
	return out, nil
}

func compileConstraint(c *mesospb.AttributeConstraint) (attributeConstraint, error) {
	var ac attributeConstraint
	sel := c.GetSelector()
	switch sel.GetSelector().(type) {
	case *mesospb.AttributeConstraint_Selector_PseudoattributeType_:
		ac.pseudo = sel.GetPseudoattributeType()
		if ac.pseudo == mesospb.AttributeConstraint_Selector_UNKNOWN {
			return ac, errors.New("Unknown pseudoattribute type")
		}
	case *mesospb.AttributeConstraint_Selector_AttributeName:
		ac.byName, ac.attribute = true, sel.GetAttributeName()
	default:
		return ac, errors.New("Exactly one of 'AttributeConstraint::Selector::name' or 'AttributeConstraint::Selector::pseudoattribute_type' must be set")
	}
	p := c.GetPredicate()
	var pattern string
	switch x := p.GetPredicate().(type) {
	case *mesospb.AttributeConstraint_Predicate_Exists_:
		ac.kind = "exists"
	case *mesospb.AttributeConstraint_Predicate_NotExists_:
		ac.kind = "not_exists"
	case *mesospb.AttributeConstraint_Predicate_TextEquals_:
		ac.kind, ac.text = "text_equals", x.TextEquals.GetValue()
	case *mesospb.AttributeConstraint_Predicate_TextNotEquals_:
		ac.kind, ac.text = "text_not_equals", x.TextNotEquals.GetValue()
	case *mesospb.AttributeConstraint_Predicate_TextMatches_:
		ac.kind, pattern = "text_matches", x.TextMatches.GetRegex()
	case *mesospb.AttributeConstraint_Predicate_TextNotMatches_:
		ac.kind, pattern = "text_not_matches", x.TextNotMatches.GetRegex()
	default:
		return ac, errors.New("Unknown predicate type")
	}
	if ac.kind == "text_matches" || ac.kind == "text_not_matches" {
		parsed, err := syntax.Parse(pattern, syntax.Perl)
		if err != nil {
			return ac, errors.New("Failed to construct regex from pattern '" + pattern + "': " + err.Error())
		}
		prog, err := syntax.Compile(parsed.Simplify())
		if err != nil {
			return ac, errors.New("Failed to construct regex from pattern '" + pattern + "': " + err.Error())
		}
		if len(prog.Inst) > maxRegexProgram {
			return ac, errors.New("Regex '" + pattern + "' is too complex: program size of " + strconv.Itoa(len(prog.Inst)) +
				" is larger than maximum of " + strconv.Itoa(maxRegexProgram) + " allowed")
		}
		// RE2::FullMatch: the whole value must match.
		ac.re, err = regexp.Compile(`^(?:` + pattern + `)$`)
		if err != nil {
			return ac, errors.New("Failed to construct regex from pattern '" + pattern + "': " + err.Error())
		}
	}
	return ac, nil
}

// allows reports whether agent a may be offered to role.
func (oc *offerConstraints) allows(role string, a *agent) bool {
	groups, ok := oc.roles[role]
	if !ok {
		return true
	}
	for _, g := range groups {
		all := true
		for i := range g {
			if !g[i].evaluate(a) {
				all = false
				break
			}
		}
		if all {
			return true
		}
	}
	return false
}

func (c *attributeConstraint) evaluate(a *agent) bool {
	if c.byName {
		for _, attr := range a.attributes {
			if attr.GetName() == c.attribute {
				// Non-text attributes satisfy every text predicate.
				if attr.GetType() != mesospb.Value_TEXT {
					return c.kind != "not_exists"
				}
				return c.applyString(attr.GetText().GetValue())
			}
		}
		return c.applyMissing()
	}
	switch c.pseudo {
	case mesospb.AttributeConstraint_Selector_HOSTNAME:
		return c.applyString(a.hostname)
	case mesospb.AttributeConstraint_Selector_REGION:
		if a.domain == nil {
			return c.applyMissing()
		}
		return c.applyString(a.domain.GetFaultDomain().GetRegion().GetName())
	case mesospb.AttributeConstraint_Selector_ZONE:
		if a.domain == nil {
			return c.applyMissing()
		}
		return c.applyString(a.domain.GetFaultDomain().GetZone().GetName())
	}
	return false
}

func (c *attributeConstraint) applyMissing() bool {
	switch c.kind {
	case "not_exists", "text_not_equals", "text_not_matches":
		return true
	}
	return false
}

func (c *attributeConstraint) applyString(v string) bool {
	switch c.kind {
	case "exists":
		return true
	case "not_exists":
		return false
	case "text_equals":
		return v == c.text
	case "text_not_equals":
		return v != c.text
	case "text_matches":
		return c.re.MatchString(v)
	case "text_not_matches":
		return !c.re.MatchString(v)
	}
	return false
}
