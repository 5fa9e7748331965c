/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "beacon-core"

#include "config.h"

#include "bc-error.h"

G_DEFINE_QUARK (bc-model-error-quark, bc_model_error)

/* Stable snake_case codes for the "code" member of API errors. */
const char *
bc_model_error_code_to_string (BcModelError code)
{
  switch (code)
    {
    case BC_MODEL_ERROR_MISSING_FIELD:
      return "missing_field";
    case BC_MODEL_ERROR_WRONG_TYPE:
      return "wrong_type";
    case BC_MODEL_ERROR_OUT_OF_RANGE:
      return "out_of_range";
    case BC_MODEL_ERROR_UNKNOWN_VALUE:
      return "unknown_value";
    case BC_MODEL_ERROR_TOO_LONG:
      return "too_long";
    case BC_MODEL_ERROR_INVALID_FORMAT:
      return "invalid_format";
    case BC_MODEL_ERROR_INVALID_UTF8:
      return "invalid_utf8";
    case BC_MODEL_ERROR_FORBIDDEN_FIELD:
      return "forbidden_field";
    case BC_MODEL_ERROR_DUPLICATE:
      return "duplicate";
    default:
      return "invalid";
    }
}
