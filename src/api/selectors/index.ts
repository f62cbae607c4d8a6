// Label and field selectors for list, watch and deletecollection, and the LabelSelector
// helpers that controllers and tables share.
export {
  SelectorParseError,
  parseLabelSelector,
  labelMatcher,
  labelSelectorRequirements,
  labelSelectorToString,
  labelSelectorMatcher,
  requirementMatches,
  requirementToString,
  matchesAll,
  formatLabels,
  type Requirement,
  type Labels,
  type LabelSelectorObject,
} from "./label-selector.ts";
export { FieldSelectorError, parseFieldSelector, fieldGetter, fieldMatcher, type FieldRequirement } from "./field-selector.ts";
