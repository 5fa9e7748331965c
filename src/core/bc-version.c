/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "beacon-core"

#include "config.h"

#include "bc-version.h"

/* The version both programs report in /health and in the about window. */
const char *
bc_version_string (void)
{
  return PACKAGE_VERSION;
}
