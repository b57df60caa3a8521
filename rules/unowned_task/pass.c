#include "../rules.h"
const char asl_explain_ASL301[] = "x";
const char asl_explain_ASL302[] = "x";
void asl_pass_unowned_task(AslCtx *cx) { (void)cx; }
