/*
 * test_cond.c - unit tests for ASL210's path conditions (analyzer/cond.c):
 * binding arguments to parameters, one test on one value, and the CNF
 * algebra the index propagates.
 */
#include "../../analyzer/cond.h"
#include "test.h"

static AslValue v_str(const char *s) {
  AslValue v = {ASL_VAL_STR, 0, (int8_t)(s && *s ? 1 : 0), s};
  return v;
}
static AslValue v_none(void) {
  AslValue v = {ASL_VAL_NONE, 0, 0, NULL};
  return v;
}
static AslValue v_obj(const char *type) {
  AslValue v = {ASL_VAL_OBJECT, 0, -1, type};
  return v;
}
static AslValue v_param(uint8_t p) {
  AslValue v = {ASL_VAL_PARAM, p, -1, NULL};
  return v;
}

TEST_IMPL(cond_bind_positional_keyword_default) {
  AslParam params[3] = {{"self", ASL_PARAM_PLAIN, false, {0}},
                        {"path", ASL_PARAM_PLAIN, false, {0}},
                        {"mode", ASL_PARAM_KWONLY, true, {0}}};
  params[2].dflt = v_str("r");
  AslValue pos[1] = {v_str("a.json")};
  AslArgs args = {pos, 1, NULL, NULL, 0, false, false};
  // Bound method: self is skipped, the first argument is `path`.
  AslValue v = asl_args_bind(&args, params, 3, 1, 1);
  ASSERT_EQ(v.kind, ASL_VAL_STR);
  ASSERT_STR_EQ(v.text, "a.json");
  v = asl_args_bind(&args, params, 3, 1, 2); // omitted: the default
  ASSERT_STR_EQ(v.text, "r");
  const char *names[1] = {"mode"};
  AslValue kw[1] = {v_str("w")};
  AslArgs with_kw = {pos, 1, names, kw, 1, false, false};
  v = asl_args_bind(&with_kw, params, 3, 1, 2);
  ASSERT_STR_EQ(v.text, "w");
  AslArgs splat = {pos, 1, NULL, NULL, 0, false, true}; // **kwargs
  v = asl_args_bind(&splat, params, 3, 1, 2);
  ASSERT_EQ(v.kind, ASL_VAL_UNKNOWN);
}

TEST_IMPL(cond_value_tests) {
  AslAtom isnone = {ASL_TEST_IS_NONE, 0, false, 0, 0, NULL, NULL};
  AslValue none = v_none(), s = v_str("x.json"), path = v_obj("pathlib.Path");
  ASSERT_EQ(asl_value_test(&none, &isnone), 1);
  ASSERT_EQ(asl_value_test(&s, &isnone), 0);
  AslAtom inst = {ASL_TEST_ISINSTANCE, 0, false, 0, 0, NULL, "str|pathlib.Path"};
  ASSERT_EQ(asl_value_test(&s, &inst), 1);
  ASSERT_EQ(asl_value_test(&path, &inst), 1);
  AslValue bio = v_obj("io.BytesIO"), d = v_obj("dict");
  ASSERT_EQ(asl_value_test(&bio, &inst), 0);
  ASSERT_EQ(asl_value_test(&d, &inst), 0);
  AslAtom unknown_cls = {ASL_TEST_ISINSTANCE, 0, false, 0, 0, NULL, "?"};
  ASSERT_EQ(asl_value_test(&s, &unknown_cls), -1);
  AslValue lit = v_str(".json");
  AslAtom ends = {ASL_TEST_ENDSWITH, 0, false, 0, 1, &lit, NULL};
  ASSERT_EQ(asl_value_test(&s, &ends), 1);
  AslValue yaml = v_str("a.yaml");
  ASSERT_EQ(asl_value_test(&yaml, &ends), 0);
  ASSERT_EQ(asl_value_test(&none, &ends), 0); // raises before the branch
  AslAtom read = {ASL_TEST_HASATTR, 0, false, 0, 0, NULL, "read"};
  ASSERT_EQ(asl_value_test(&bio, &read), 1);
  ASSERT_EQ(asl_value_test(&s, &read), 0);
}

TEST_IMPL(cond_algebra_and_substitution) {
  AslArena a;
  asl_arena_init(&a);
  // c = (p0 is not None) and (p1 == "w" or p1 == "a")
  AslAtom not_none = {ASL_TEST_IS_NONE, 0, true, 0, 0, NULL, NULL};
  AslValue lits[2] = {v_str("w"), v_str("a")};
  AslAtom mode = {ASL_TEST_EQ, 1, false, 0, 2, lits, NULL};
  AslCond c = asl_cond_and(&a, asl_cond_atom(&a, &not_none),
                           asl_cond_atom(&a, &mode));
  ASSERT_EQ(c.nclauses, 2);
  ASSERT(c.exact);
  AslParam params[2] = {{"src", ASL_PARAM_PLAIN, true, {0}},
                        {"mode", ASL_PARAM_PLAIN, true, {0}}};
  params[0].dflt = v_none();
  params[1].dflt = v_str("r");
  AslBinder b = {params, 2, NULL, 0, NULL, NULL};
  AslArgs none_args = {NULL, 0, NULL, NULL, 0, false, false};
  b.args = &none_args; // all defaults: src is None -> infeasible
  ASSERT_EQ(asl_cond_eval(c, &b), 0);
  AslValue pos[2] = {v_str("f.txt"), v_str("w")};
  AslArgs both = {pos, 2, NULL, NULL, 0, false, false};
  b.args = &both;
  ASSERT_EQ(asl_cond_eval(c, &b), 1);
  // Passed on from the caller's parameter 3: the test moves there.
  AslValue fwd[2] = {v_param(3), v_str("a")};
  AslArgs forward = {fwd, 2, NULL, NULL, 0, false, false};
  b.args = &forward;
  AslCond sub;
  ASSERT(asl_cond_subst(&a, c, &b, &sub));
  ASSERT_EQ(sub.nclauses, 1);
  ASSERT_EQ(sub.atoms[0].param, 3);
  ASSERT_EQ(sub.atoms[0].test, ASL_TEST_IS_NONE);
  // Negating a conjunction gives one clause; a mixed CNF is not negated.
  AslCond n = asl_cond_not(&a, asl_cond_atom(&a, &not_none));
  ASSERT_EQ(n.nclauses, 1);
  ASSERT(!n.atoms[0].negated);
  ASSERT(asl_cond_implies(c, asl_cond_atom(&a, &not_none)));
  ASSERT(!asl_cond_implies(asl_cond_atom(&a, &not_none), c));
  asl_arena_destroy(&a);
}
