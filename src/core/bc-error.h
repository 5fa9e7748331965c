/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define BC_MODEL_ERROR (bc_model_error_quark ())

/*
 * Why a document or value was rejected. The message of such an error always starts with the
 * field path ("location.lat: …", "units[1]: …", or "document: …" for the whole document) and
 * is API-level English; bc_model_error_code_to_string() gives the machine code that goes next
 * to it in API error JSON.
 */
typedef enum
{
  BC_MODEL_ERROR_MISSING_FIELD,   /* required member absent, or an empty string/list where one is needed */
  BC_MODEL_ERROR_WRONG_TYPE,      /* e.g. a string where a number belongs, 1.5 for an integer */
  BC_MODEL_ERROR_OUT_OF_RANGE,    /* number outside its documented range */
  BC_MODEL_ERROR_UNKNOWN_VALUE,   /* string not among an enumeration's codes */
  BC_MODEL_ERROR_TOO_LONG,        /* string or list longer than its limit */
  BC_MODEL_ERROR_INVALID_FORMAT,  /* malformed JSON, time, camera code, number, phone, … */
  BC_MODEL_ERROR_INVALID_UTF8,    /* bytes that are not UTF-8 */
  BC_MODEL_ERROR_FORBIDDEN_FIELD, /* server-owned or unknown member in a create document */
  BC_MODEL_ERROR_DUPLICATE,       /* the same id twice in a list */
} BcModelError;

GQuark      bc_model_error_quark          (void);
const char *bc_model_error_code_to_string (BcModelError code);

G_END_DECLS
