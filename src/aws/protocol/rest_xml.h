// src/aws/protocol/rest_xml.h
// The REST-XML protocol (S3): method + path + query, XML bodies.
// Errors: <Error><Code/><Message/><RequestId/></Error>; HEAD answers have no
// body, so their code comes from the status (404 -> "NotFound").
#pragma once

#include <string>

#include "aws/error.h"
#include "aws/request.h"

namespace cirt::aws {

// `path` is the wire path, path-style for S3 ("/bucket/key", see
// S3ObjectPath in services/s3.h).
Request MakeRestXmlRequest(std::string service, std::string method,
                           std::string path, QueryParams query = {});

AwsError DecodeRestXmlError(const Response& response);

}  // namespace cirt::aws
