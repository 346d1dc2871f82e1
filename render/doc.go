// Package render will hold the g3n scene of label meshes, offscreen
// rendering to images, the camera and picking (DESIGN.md "Layout"); it is the
// only package that imports g3n. It arrives with the desktop-app issue.
package render
