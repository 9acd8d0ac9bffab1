#include "dcue.h"
int cmd_embed(struct options *o) { (void)o; return 1; }
int cmd_recommend(struct options *o) { (void)o; return 1; }
