/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "bc-store.h"

G_BEGIN_DECLS

/* Called by the event log for every event appended in the open transaction; the seqs are
 * handed to the commit hooks once COMMIT succeeds and dropped on rollback. */
void _bc_store_note_appended_seq (BcStore *self,
                                  gint64   seq);

G_END_DECLS
