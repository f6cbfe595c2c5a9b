# syntax=docker/dockerfile:1
# Build a static binary, then ship it alone on a distroless base as a non-root user.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# -tags nodemo leaves out the offline demo, its stand-ins and the embedded Redis (see README).
RUN CGO_ENABLED=0 go build -tags nodemo -trimpath -ldflags="-s -w" -o /out/ganwei ./cmd/ganwei

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/ganwei /usr/local/bin/ganwei
# Time zone data is embedded in the binary (time/tzdata); CA certificates come with the base image.
ENV GANWEI_HTTP_ADDR=:8080
EXPOSE 8080
USER nonroot:nonroot
# distroless has no shell or curl: the binary checks its own /healthz.
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
  CMD ["/usr/local/bin/ganwei", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/ganwei"]
CMD ["serve"]
